#!/usr/bin/python3
"""Reference reader for the internal/pefile differential test.

Reads each PE named on the command line with Debian's python3-pefile (an
independent implementation) and prints one JSON object per file, keyed by
path, holding what pefile says about the version resource, the CodeView
record, imports, exports, the Rich header and the DLL flag. Run by
diff_test.go with /usr/bin/python3 (the interpreter Debian's module is
installed for).
"""
import json
import sys

import pefile


def s(b):
    if b is None:
        return None
    if isinstance(b, bytes):
        return b.decode("utf-8", "replace")
    return b


def version(pe):
    tables = []
    for fileinfo in getattr(pe, "FileInfo", []) or []:
        for fi in fileinfo:
            if getattr(fi, "Key", b"") != b"StringFileInfo":
                continue
            for st in fi.StringTable:
                tables.append({"key": s(st.LangID),
                               "strings": {s(k): s(v) for k, v in st.entries.items()}})
    fixed = None
    if getattr(pe, "VS_FIXEDFILEINFO", None):
        f = pe.VS_FIXEDFILEINFO[0]
        fixed = [f.FileVersionMS, f.FileVersionLS, f.ProductVersionMS, f.ProductVersionLS]
    return tables, fixed


def debug(pe):
    out = {"types": [], "pdb": None}
    for d in getattr(pe, "DIRECTORY_ENTRY_DEBUG", []):
        out["types"].append(d.struct.Type)
        e = d.entry
        if e is None or out["pdb"] is not None:
            continue
        if getattr(e, "CvSignature", b"") == b"RSDS":
            g = "%08X-%04X-%04X-%02X%02X-%012X" % (e.Signature_Data1, e.Signature_Data2, e.Signature_Data3,
                                                  e.Signature_Data4, e.Signature_Data5, e.Signature_Data6_value)
            out["pdb"] = {"format": "RSDS", "guid": g, "age": e.Age, "path": s(e.PdbFileName.rstrip(b"\0"))}
        elif getattr(e, "CvHeaderSignature", 0) == 0x3031424E:  # "NB10"
            out["pdb"] = {"format": "NB10", "signature": e.Signature, "age": e.Age,
                          "path": s(e.PdbFileName.rstrip(b"\0"))}
    return out


def imports(pe, attr):
    out = []
    for d in getattr(pe, attr, []):
        fns = []
        for imp in d.imports:
            # pefile names well-known ordinals (ws2_32, oleaut32) from its own
            # table; the file holds only the ordinal.
            fns.append("#%d" % imp.ordinal if imp.import_by_ordinal else s(imp.name))
        out.append({"dll": s(d.dll), "functions": fns})
    return out


def exports(pe):
    x = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
    if x is None:
        return None
    syms = [{"ordinal": e.ordinal, "name": s(e.name) or "", "forwarder": s(e.forwarder) or ""} for e in x.symbols]
    return {"name": s(pe.get_string_at_rva(x.struct.Name)), "symbols": syms}


def res_id(e):
    return "#%d" % e.id if e.name is None else str(e.name)


def resources(pe):
    out = []
    for t in getattr(getattr(pe, "DIRECTORY_ENTRY_RESOURCE", None), "entries", []):
        for n in getattr(getattr(t, "directory", None), "entries", []):
            for l in getattr(getattr(n, "directory", None), "entries", []):
                if not hasattr(l, "data"):
                    continue
                d = l.data.struct
                out.append({"path": [res_id(t), res_id(n), res_id(l)], "rva": d.OffsetToData, "size": d.Size})
    return out


def rich(pe):
    r = pe.parse_rich_header()
    if not r:
        return None
    return {"key": r["checksum"], "values": r["values"]}


def entry_point(pe):
    try:
        return pe.get_offset_from_rva(pe.OPTIONAL_HEADER.AddressOfEntryPoint)
    except Exception:
        return -1


def one(path):
    # pefile stops at 8192 exports, or 120 at one address, by default
    # (mfc140u.dll has 14,000, hundreds sharing a stub).
    pe = pefile.PE(path, fast_load=True, max_symbol_exports=1 << 20, max_repeated_symbol=1 << 20)
    d = pefile.DIRECTORY_ENTRY
    pe.parse_data_directories(directories=[d["IMAGE_DIRECTORY_ENTRY_IMPORT"], d["IMAGE_DIRECTORY_ENTRY_EXPORT"],
                                           d["IMAGE_DIRECTORY_ENTRY_RESOURCE"], d["IMAGE_DIRECTORY_ENTRY_DEBUG"],
                                           d["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"]])
    tables, fixed = version(pe)
    return {
        "is_dll": pe.is_dll(),
        "machine": pe.FILE_HEADER.Machine,
        "sections": [s(x.Name.rstrip(b"\0")) for x in pe.sections],
        "version": tables,
        "version_invalid": any("VS_VERSION_INFO" in w for w in pe.get_warnings()),
        "fixed": fixed,
        "debug": debug(pe),
        "imports": imports(pe, "DIRECTORY_ENTRY_IMPORT"),
        "delay_imports": imports(pe, "DIRECTORY_ENTRY_DELAY_IMPORT"),
        "exports": exports(pe),
        "rich": rich(pe),
        "resources": resources(pe),
        "entry_point": entry_point(pe),
    }


def main():
    out = {}
    for path in sys.argv[1:]:
        try:
            out[path] = one(path)
        except Exception as e:  # a file pefile refuses is reported, not fatal
            out[path] = {"error": str(e)}
    json.dump(out, sys.stdout)


main()
