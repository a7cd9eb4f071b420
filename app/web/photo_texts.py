"""The console's words for uploading photos and for the photo viewer (merged into i18n.TEXTS)."""

from typing import Final

PHOTO_TEXTS: Final[dict[str, tuple[str, str]]] = {
    # key: (Bahasa Indonesia, English)
    "upload_title": ("Unggah foto C.Hasil", "Upload C.Hasil photos"),
    "upload_link": ("Unggah foto", "Upload photos"),
    "upload_help": (
        "Ambil atau pilih beberapa foto sekaligus (boleh diseret ke kotak di bawah), pastikan "
        "pemilihan dan halaman tiap foto, lalu tekan Kirim. Status tiap foto diperbarui sendiri.",
        "Take or pick several photos at once (or drag them onto the box below), check each "
        "photo's contest and page, then press Send. Each photo's status updates by itself.",
    ),
    "upload_nojs": (
        "Tanpa JavaScript, unggah foto satu per satu dari halaman TPS-nya:",
        "Without JavaScript, upload photos one at a time from their TPS page:",
    ),
    "upload_camera": ("Ambil foto (kamera)", "Take a photo (camera)"),
    "upload_pick": ("Pilih berkas", "Choose files"),
    "upload_drop": ("atau seret foto ke sini", "or drop photos here"),
    "upload_send": ("Kirim", "Send"),
    "upload_remove": ("Hapus", "Remove"),
    "upload_tps": ("TPS", "TPS"),
    "upload_tps_pick": ("ketik kode TPS atau nama desa", "type a TPS code or desa name"),
    "upload_page_auto": ("otomatis (dari tanda halaman)", "automatic (from the page tag)"),
    "upload_ready": ("siap dikirim", "ready to send"),
    "upload_sending": ("mengirim…", "sending…"),
    "up_pick_contest": ("pilih pemilihan", "choose a contest"),
    "up_too_big": (
        "Berkas terlalu besar: paling besar {mb} MB.",
        "File too large: {mb} MB at most.",
    ),
    "up_not_image": (
        "Bukan foto: kirim gambar JPEG, PNG atau WebP.",
        "Not a photo: send a JPEG, PNG or WebP image.",
    ),
    "up_broken": (
        "Berkas kosong atau rusak; ambil foto ulang.",
        "Empty or broken file; retake it.",
    ),
    "up_forbidden": (
        "Anda tidak berwenang mengunggah foto untuk TPS ini.",
        "You may not upload photos for this TPS.",
    ),
    "up_wrong_tps": (
        "Pilih TPS dari daftar kecamatan ini.",
        "Choose a TPS from this kecamatan's list.",
    ),
    "up_bad_contest": (
        "Pilih pemilihan yang diadakan di TPS ini.",
        "Choose a contest held at this TPS.",
    ),
    "up_bad_page": ("Halaman harus 1, 2 atau 3.", "The page must be 1, 2 or 3."),
    "up_no_file": ("Kirim satu berkas foto.", "Send one photo file."),
    "up_failed": ("Foto tidak dapat diterima.", "The photo could not be accepted."),
    "up_network": (
        "Pengiriman terputus; periksa sinyal lalu kirim lagi.",
        "The upload was cut off; check the connection and send again.",
    ),
    "up_received": ("Foto #{id} diterima: {status}.", "Photo #{id} received: {status}."),
    "up_known": ("foto yang sama sudah pernah diunggah", "the same photo was uploaded before"),
    "up_see": ("lihat foto", "see the photo"),
    "up_review": ("tinjau", "review"),
    # the photo beside the numbers
    "viewer_tools": ("Alat foto", "Photo tools"),
    "zoom_in": ("Perbesar", "Zoom in"),
    "zoom_out": ("Perkecil", "Zoom out"),
    "rotate_left": ("Putar ke kiri", "Rotate left"),
    "rotate_right": ("Putar ke kanan", "Rotate right"),
    "reset_view": ("Ukuran semula", "Reset"),
    "viewer_help": (
        "Foto formulir: seret atau tombol panah untuk menggeser, roda tetikus atau + dan − untuk "
        "memperbesar, R untuk memutar, 0 untuk ukuran semula.",
        "Form photo: drag or arrow keys to pan, mouse wheel or + and − to zoom, R to rotate, "
        "0 to reset.",
    ),
    "read_fields": ("Bacaan per isian", "Reading per field"),
    "below_line": ("di bawah batas keyakinan {line}", "below the confidence line {line}"),
    "no_reading": ("Belum ada bacaan.", "No reading yet."),
    "other_photos": ("Foto pemilihan lain", "Photos of other contests"),
}
