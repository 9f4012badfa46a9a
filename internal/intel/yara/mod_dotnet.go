package yara

import (
	"bytes"
	"encoding/binary"

	"github.com/cascade-ir/cascade/internal/pefile"
	"github.com/cascade-ir/cascade/internal/pefile/clr"
)

// dotnetModule is yara's dotnet module (4.2): the CLI metadata of a .NET
// PE image, read by internal/pefile/clr with yara's bounds and quirks, so
// a damaged file yields the values yara gives.
func dotnetModule() *module {
	version := structType(intFields(map[string]*mtype{}, "major", "minor", "build_number", "revision_number"))
	return &module{
		fields: intFields(map[string]*mtype{
			"version":     tyStr,
			"module_name": tyStr,
			"streams":     arrayOf(structType(intFields(map[string]*mtype{"name": tyStr}, "offset", "size"))),
			"guids":       arrayOf(tyStr),
			"resources":   arrayOf(structType(intFields(map[string]*mtype{"name": tyStr}, "offset", "length"))),
			"assembly_refs": arrayOf(structType(map[string]*mtype{"version": version,
				"public_key_or_token": tyStr, "name": tyStr})),
			"assembly":      structType(map[string]*mtype{"version": version, "name": tyStr, "culture": tyStr}),
			"modulerefs":    arrayOf(tyStr),
			"user_strings":  arrayOf(tyStr),
			"typelib":       tyStr,
			"constants":     arrayOf(tyStr),
			"field_offsets": arrayOf(tyInt),
		}, "is_dotnet", "number_of_streams", "number_of_guids", "number_of_resources", "number_of_assembly_refs",
			"number_of_modulerefs", "number_of_user_strings", "number_of_constants", "number_of_field_offsets"),
		parse: func(e *evalCtx) (mobj, error) { return dotnetObject(e.in.Data) },
	}
}

// dotnetObject parses d; a file that is not a PE image leaves every field
// undefined, a PE image without CLI metadata has is_dotnet 0.
func dotnetObject(d []byte) (mobj, error) {
	im := dotnetImage(d)
	if im == nil {
		return mobj{}, nil
	}
	md, err := clr.Parse(im)
	o := mobj{"is_dotnet": vInt(b2i(md.IsDotNet))}
	if !md.IsDotNet {
		return o, err
	}
	setStrp(o, "version", md.Version)
	setStrp(o, "module_name", md.ModuleName)
	setStrp(o, "typelib", md.Typelib)
	if md.HasStreams {
		a := make(marr, len(md.Streams))
		for i, s := range md.Streams {
			a[i] = mobj{"name": vStr(s.Name), "offset": vInt(s.Offset), "size": vInt(int64(s.Size))}
		}
		o["streams"], o["number_of_streams"] = a, vInt(int64(len(a)))
	}
	if md.HasGUIDs {
		setStrs(o, "guids", "number_of_guids", md.GUIDs)
	}
	if md.HasResources {
		a := make(marr, len(md.Resources))
		for i, r := range md.Resources {
			ro := mobj{"offset": vInt(r.Offset), "length": vInt(int64(r.Length))}
			setStrp(ro, "name", r.Name)
			a[i] = ro
		}
		o["resources"], o["number_of_resources"] = a, vInt(int64(len(a)))
	}
	if a := md.Assembly; a != nil {
		ao := mobj{"version": dotnetVersion(a.Version)}
		setStrp(ao, "name", a.Name)
		setStrp(ao, "culture", a.Culture)
		o["assembly"] = ao
	}
	if md.HasAssemblyRefs {
		a := make(marr, len(md.AssemblyRefs))
		for i, r := range md.AssemblyRefs {
			ro := mobj{"version": dotnetVersion(r.Version)}
			setStrp(ro, "public_key_or_token", r.PublicKeyOrToken)
			setStrp(ro, "name", r.Name)
			a[i] = ro
		}
		o["assembly_refs"], o["number_of_assembly_refs"] = a, vInt(int64(len(a)))
	}
	if md.HasModuleRefs {
		setStrs(o, "modulerefs", "number_of_modulerefs", md.ModuleRefs)
	}
	if md.HasUserStrings {
		setStrs(o, "user_strings", "number_of_user_strings", md.UserStrings)
	}
	if md.HasConstants {
		setStrs(o, "constants", "number_of_constants", md.Constants)
	}
	if md.HasFieldOffsets {
		a := make(marr, len(md.FieldOffsets))
		for i, f := range md.FieldOffsets {
			a[i] = vInt(f)
		}
		o["field_offsets"], o["number_of_field_offsets"] = a, vInt(int64(len(a)))
	}
	return o, err
}

func setStrp(o mobj, name string, s *string) {
	if s != nil {
		o.setStr(name, *s)
	}
}

func setStrs(o mobj, arr, count string, ss []string) {
	a := make(marr, len(ss))
	for i, s := range ss {
		a[i] = vStr(s)
	}
	o[arr], o[count] = a, vInt(int64(len(a)))
}

func dotnetVersion(v clr.Version) mobj {
	return mobj{"major": vInt(int64(v.Major)), "minor": vInt(int64(v.Minor)),
		"build_number": vInt(int64(v.BuildNumber)), "revision_number": vInt(int64(v.RevisionNumber))}
}

// dotnetMaxSections is yara's MAX_PE_SECTIONS.
const dotnetMaxSections = 96

// dotnetImage describes d for the CLI parser from internal/pefile's
// headers, or returns nil when d is not a PE image by yara's
// pe_get_header (the headers, with a whole optional header, in the file).
func dotnetImage(d []byte) *clr.Image {
	if len(d) < 64 || d[0] != 'M' || d[1] != 'Z' {
		return nil
	}
	lfanew := int64(int32(binary.LittleEndian.Uint32(d[0x3c:])))
	if lfanew < 0 || int64(len(d)) < lfanew+24+224 {
		return nil
	}
	f, _ := pefile.Open(bytes.NewReader(d), int64(len(d)), pefile.Limits{})
	if f == nil || f.Is64() && int64(len(d)) < lfanew+24+240 {
		return nil
	}
	dirs := int64(96)
	if f.Is64() {
		dirs = 112
	}
	im := &clr.Image{Data: d, Is64: f.Is64(), IsDLL: f.IsDLL(), NumberOfRvaAndSizes: f.Optional.NumberOfRvaAndSizes,
		EntryPoint: f.Optional.AddressOfEntryPoint, FileAlignment: f.Optional.FileAlignment,
		COMDirectory: f.Optional.Offset + dirs + 8*14}
	want := min(int(f.COFF.NumberOfSections), dotnetMaxSections)
	im.SectionsTruncated = len(f.Sections) < want
	for _, s := range f.Sections[:min(len(f.Sections), want)] {
		im.Sections = append(im.Sections, clr.Section{VirtualAddress: s.VirtualAddress, VirtualSize: s.VirtualSize,
			RawOffset: s.Offset, RawSize: s.Size})
	}
	return im
}
