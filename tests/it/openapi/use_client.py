"""Reads a live kordon server through a client that openapi-python-client generated from its
/openapi.json, checks what it can on its own (leaf hash, inclusion proof to the checkpoint's
root, a documented 404), and prints what it read as JSON for the Rust test to compare with
kordon's own answers.

Usage: use_client.py PACKAGE_PARENT_DIR BASE_URL SEQ
"""

import base64
import hashlib
import json
import sys

sys.path.insert(0, sys.argv[1])

from kordon_client import Client  # noqa: E402
from kordon_client.api.proofs import inclusion  # noqa: E402
from kordon_client.api.read import entry  # noqa: E402
from kordon_client.api.tlog_tiles import checkpoint  # noqa: E402
from kordon_client.api.views import view  # noqa: E402
from kordon_client.models import EntryJson, InclusionProof, Problem, View  # noqa: E402

base_url, seq = sys.argv[2], int(sys.argv[3])
client = Client(base_url=base_url, raise_on_unexpected_status=True)


def node(a: bytes, b: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + a + b).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, path: list) -> bytes:
    """RFC 9162, 2.1.3.2: the root an inclusion proof leads to."""
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise SystemExit("the proof is longer than the tree")
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise SystemExit("the proof is shorter than the tree")
    return r


note = checkpoint.sync(client=client)
assert isinstance(note, str), note
lines = note.split("\n")
size, root = int(lines[1]), base64.b64decode(lines[2])

e = entry.sync(seq, client=client)
assert isinstance(e, EntryJson), e
leaf = hashlib.sha256(b"\x00" + base64.b64decode(e.entry)).digest()
assert leaf.hex() == e.leaf_hash, "the leaf hash is not SHA-256(0x00 || entry)"

p = inclusion.sync(client=client, seq=seq, size=size)
assert isinstance(p, InclusionProof), p
assert p.tree_size == size and p.leaf_hash == e.leaf_hash
path = [bytes.fromhex(h) for h in p.proof]
assert root_from_inclusion(seq, size, leaf, path) == root, "the proof does not lead to the root"
assert p.root_hash == root.hex()

v = view.sync(View.OVERDUE, client=client)
assert v is not None and not isinstance(v, Problem), v

missing = entry.sync(size + 1000, client=client)
assert isinstance(missing, Problem) and missing.status == 404, missing

print(
    json.dumps(
        {
            "checkpoint": note,
            "size": size,
            "entry": e.to_dict(),
            "proof": p.to_dict(),
            "view": v.to_dict(),
            "missing": missing.to_dict(),
        }
    )
)
