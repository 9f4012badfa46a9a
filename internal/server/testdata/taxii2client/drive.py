"""Drive the OASIS taxii2client against a cascade server; print results as JSON.

usage: drive.py BASE_URL TOKEN COLLECTION_ID N
"""
import json
import sys

from taxii2client.v21 import Server, as_pages

base, token, coll_id, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
out = {}
server = Server(base + "/taxii2/", user="taxii", password=token)
out["title"] = server.title
root = server.default
out["api_root_versions"] = root.versions
out["max_content_length"] = root.max_content_length
coll = [c for c in root.collections if c.id == coll_id][0]
out["can_read"], out["can_write"] = coll.can_read, coll.can_write

objs = []
for i in range(n):
    objs.append({
        "type": "indicator", "spec_version": "2.1",
        "id": "indicator--%08d-0000-4000-8000-000000000000" % i,
        "created": "2023-01-01T00:00:00.000Z", "modified": "2023-01-01T00:00:00.000Z",
        "pattern": "[url:value = 'https://example.invalid/%d']" % i, "pattern_type": "stix",
        "valid_from": "2023-01-01T00:00:00Z",
    })
status = coll.add_objects({"objects": objs})
out["status"] = status.status
out["success_count"] = status.success_count
again = root.get_status(status.id)
out["status_again"] = again.id == status.id and again.status == "complete"

# a second version of object 0
v2 = dict(objs[0], modified="2023-06-01T00:00:00.000Z")
coll.add_objects({"objects": [v2]})

seen = []
for env in as_pages(coll.get_objects, per_request=7):
    seen += [o["id"] for o in env.get("objects", [])]
out["paged_ids"] = seen
manifest = []
for env in as_pages(coll.get_manifest, per_request=5):
    manifest += [(m["id"], m["version"]) for m in env.get("objects", [])]
out["manifest"] = manifest
first = objs[0]["id"]
out["object_all_versions"] = [o["modified"] for o in coll.get_object(first, version="all")["objects"]]
out["versions"] = coll.object_versions(first)["versions"]
env = coll.get_objects(type="indicator", id=objs[1]["id"])
out["filtered"] = [o["id"] for o in env["objects"]]
coll.delete_object(first)
try:
    coll.get_object(first)
    out["after_delete"] = "found"
except Exception as e:  # requests.HTTPError 404
    out["after_delete"] = str(getattr(getattr(e, "response", None), "status_code", e))
json.dump(out, sys.stdout)
