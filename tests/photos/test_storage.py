"""The photo store: local directory (atomic, content-addressed) and S3 against moto on loopback."""

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import Settings
from app.services.storage import LocalStore, PhotoStore, S3Store, build_store
from tests.photos.conftest import PhotoEnv


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on 127.0.0.1 (real HTTP, mock storage)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_store(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3Store:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    store = build_store(Settings(storage_url="s3://rekap-photos/prod", s3_endpoint_url=s3_endpoint))
    assert isinstance(store, S3Store)
    store.client.create_bucket(Bucket="rekap-photos")
    return store


def _roundtrip(store: PhotoStore, tmp_path: Path) -> None:
    data = b"\xff\xd8 photo bytes \xff\xd9"
    sha = hashlib.sha256(data).hexdigest()
    assert not store.exists(sha)
    with pytest.raises(KeyError):
        store.get(sha)
    store.put(sha, data)
    store.put(sha, data)  # idempotent
    assert store.exists(sha)
    assert store.get(sha) == data
    src = tmp_path / "upload.bin"
    src.write_bytes(b"from a file")
    sha2 = hashlib.sha256(b"from a file").hexdigest()
    store.put(sha2, src)
    assert store.get(sha2) == b"from a file"


def test_local_store_roundtrip_and_layout(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "photos")
    _roundtrip(store, tmp_path)
    sha = hashlib.sha256(b"from a file").hexdigest()
    path = tmp_path / "photos" / "sha256" / sha[:2] / sha[2:4] / sha
    assert path.read_bytes() == b"from a file"
    # no temp file is left next to the object
    assert sorted(p.name for p in path.parent.iterdir()) == [sha]


def test_local_store_rejects_a_key_that_is_not_a_hash(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    with pytest.raises(ValueError):
        store.put("../../etc/passwd", b"x")


def test_local_store_put_never_overwrites(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    sha = hashlib.sha256(b"original").hexdigest()
    store.put(sha, b"original")
    store.put(sha, b"something else")
    assert store.get(sha) == b"original"


def test_s3_store_roundtrip(s3_store: S3Store, tmp_path: Path) -> None:
    _roundtrip(s3_store, tmp_path)
    sha = hashlib.sha256(b"from a file").hexdigest()
    head = s3_store.client.head_object(
        Bucket="rekap-photos", Key=f"prod/sha256/{sha[:2]}/{sha[2:4]}/{sha}"
    )
    assert head["ContentLength"] == len(b"from a file")


def test_s3_store_put_never_overwrites(s3_store: S3Store) -> None:
    sha = hashlib.sha256(b"first").hexdigest()
    s3_store.put(sha, b"first")
    s3_store.put(sha, b"second")
    assert s3_store.get(sha) == b"first"


def test_build_store_rejects_unknown_scheme() -> None:
    with pytest.raises(ValueError, match="file:// or s3://"):
        build_store(Settings(storage_url="ftp://x"))


def test_upload_through_the_api_lands_in_s3(
    photo_env: PhotoEnv, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.photos.conftest import TPS_A, make_jpeg

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    photo_env.settings.storage_url = "s3://rekap-api-photos"
    photo_env.settings.s3_endpoint_url = s3_endpoint
    store = build_store(photo_env.settings)
    assert isinstance(store, S3Store)
    store.client.create_bucket(Bucket="rekap-api-photos")
    data = make_jpeg(601)
    resp = photo_env.upload(TPS_A, data)
    assert resp.status_code == 202, resp.text
    assert store.get(resp.json()["sha256"]) == data
    assert photo_env.stored_files() == []  # nothing on local disk, the staging file included
    image = photo_env.client.get(f"/api/v1/photos/{resp.json()['photo_id']}/image")
    assert image.content == data


def test_an_s3_outage_fails_the_upload_and_stores_no_row(
    photo_env: PhotoEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.photos.conftest import TPS_A, make_jpeg

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    photo_env.settings.storage_url = "s3://rekap-nowhere"
    photo_env.settings.s3_endpoint_url = f"http://127.0.0.1:{_free_port()}"  # nothing listens
    resp = photo_env.upload(TPS_A, make_jpeg(602))
    assert resp.status_code == 503, resp.text
    assert resp.json()["error"] == "StorageUnavailable"
    assert photo_env.counts() == (0, 0)
    assert photo_env.stored_files() == []
