#!/usr/bin/python3
"""Write BackgroundItems-v9.btm: a macOS 13+ Background Task Management store
as an NSKeyedArchiver binary plist, written by Python's plistlib (not by
cascade), with the ItemRecord keys objective-see's DumpBTM documents (name,
executablePath, url, bundleIdentifier, developerName, type, disposition).
No public sample of this store exists; plaso and dtformats test only the
older backgrounditems.btm. Run: ./make_store.py > BackgroundItems-v9.btm
"""
import plistlib
import sys
from plistlib import UID

objs = ["$null"]


def add(o):
    objs.append(o)
    return UID(len(objs) - 1)


def cls(name, *supers):
    return add({"$classname": name, "$classes": [name, *supers, "NSObject"]})


c_item = cls("ItemRecord")
c_url = cls("NSURL")
c_arr = cls("NSArray")
c_dict = cls("NSDictionary")
c_store = cls("Storage")


def item(name, dev, bundle, typ, disp, exe=None, url=None):
    d = {"$class": c_item, "name": add(name), "developerName": add(dev),
         "bundleIdentifier": add(bundle) if bundle else UID(0),
         "type": typ, "disposition": disp,
         "executablePath": add(exe) if exe else UID(0),
         "url": add({"$class": c_url, "NS.base": UID(0), "NS.relative": add(url)}) if url else UID(0)}
    return add(d)


items = [
    item("3CX Desktop App", "3CX Ltd", "com.electron.3cx-desktop-app", 2, 3,
         url="file:///Applications/3CX%20Desktop%20App.app/"),
    item("updater", "Unknown Developer", None, 8, 11,
         exe="/Users/alice/Library/Application Support/updater/agent",
         url="file:///Users/alice/Library/LaunchAgents/com.example.updater.plist"),
    item("3CX Ltd", "3CX Ltd", None, 32, 3),  # a developer record: no program
]
arr = add({"$class": c_arr, "NS.objects": items})
by_user = add({"$class": c_dict, "NS.keys": [add("A1B2C3D4-0000-4000-8000-000000000501")], "NS.objects": [arr]})
store = add({"$class": c_store, "itemsByUserIdentifier": by_user})
root = add({"$class": c_dict, "NS.keys": [add("version"), add("store")], "NS.objects": [9, store]})
doc = {"$version": 100000, "$archiver": "NSKeyedArchiver", "$top": {"root": root}, "$objects": objs}
sys.stdout.buffer.write(plistlib.dumps(doc, fmt=plistlib.FMT_BINARY, sort_keys=True))
