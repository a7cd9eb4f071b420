"""The app's OpenAPI document widened for fuzzing, test-only: every integer a client sends may
also be a huge one (past INTEGER and BIGINT) and every plain string may also carry a NUL, a
control character or a non-ASCII digit. The server must refuse those (422/404), never fail."""

import copy
from typing import Any

HUGE_INTEGERS = [2**31, 2**63, 10**20, -(2**63) - 1]
HOSTILE_STRINGS = ["\x00", "16\x00", "a\x1bb", "²", "٣", "١٦٧١٠١", "9" * 25]
_REF = "#/components/schemas/"


def hostile_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """A copy of the document whose request parameters and bodies also allow hostile values;
    responses (and schemas they share) are left exactly as documented."""
    doc = copy.deepcopy(document)
    components = doc.get("components", {}).get("schemas", {})
    request_refs, response_refs = set(), set()
    for item in doc["paths"].values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in ("path", "query"):  # headers must stay sendable
                    parameter["schema"] = _widen(parameter["schema"])
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _collect(media.get("schema"), request_refs, components)
                media["schema"] = _widen(media["schema"])
            _collect(operation.get("responses"), response_refs, components)
    for name in request_refs - response_refs:
        components[name] = _widen(components[name])
    return doc


def _collect(node: Any, found: set[str], components: dict[str, Any]) -> None:
    """Every component schema reachable from node."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith(_REF) and ref[len(_REF) :] not in found:
            found.add(ref[len(_REF) :])
            _collect(components[ref[len(_REF) :]], found, components)
        for value in node.values():
            _collect(value, found, components)
    elif isinstance(node, list):
        for value in node:
            _collect(value, found, components)


def _widen(node: Any) -> Any:
    """Integers may also be huge; plain strings (no format or enum) may also be hostile."""
    if not isinstance(node, dict):
        return node
    widened = dict(node)
    if isinstance(node.get("properties"), dict):
        widened["properties"] = {k: _widen(v) for k, v in node["properties"].items()}
    for key in ("items", "additionalProperties"):
        if key in node:
            widened[key] = _widen(node[key])
    if node.get("additionalProperties") is True:  # free-form values ({field: count}): huge too
        widened["additionalProperties"] = {"anyOf": [{}, {"enum": HUGE_INTEGERS}]}
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            widened[key] = [_widen(v) for v in node[key]]
    if node.get("type") == "integer":
        return {"anyOf": [widened, {"enum": HUGE_INTEGERS}]}
    if node.get("type") == "string" and not {"format", "enum", "const"} & set(node):
        return {"anyOf": [widened, {"enum": HOSTILE_STRINGS}]}
    return widened
