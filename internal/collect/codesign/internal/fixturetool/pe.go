package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/pegen"
)

func cmdPE(args []string) error {
	fs := flag.NewFlagSet("pe", flag.ContinueOnError)
	out := fs.String("o", "", "output file")
	company := fs.String("company", "", "CompanyName")
	product := fs.String("product", "", "ProductName")
	version := fs.String("version", "1.0.0.0", "FileVersion and ProductVersion (a.b.c.d)")
	desc := fs.String("desc", "", "FileDescription")
	orig := fs.String("original", "", "OriginalFilename")
	ctime := fs.Int64("time", 1672531200, "COFF TimeDateStamp (Unix seconds)")
	size := fs.Int("size", 4096, "size of .text in bytes")
	seed := fs.Uint64("seed", 1, "seed for the .text filler, so files differ")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o is required")
	}
	v, err := parseVersion(*version)
	if err != nil {
		return err
	}
	spec := pegen.Spec{CompileTime: uint32(*ctime), CodeSize: *size, Seed: *seed, FileVersion: v}
	for _, kv := range [][2]string{{"CompanyName", *company}, {"FileDescription", *desc},
		{"FileVersion", *version}, {"OriginalFilename", *orig}, {"ProductName", *product},
		{"ProductVersion", *version}} {
		if kv[1] != "" {
			spec.Strings = append(spec.Strings, kv)
		}
	}
	return os.WriteFile(*out, pegen.Build(spec), 0o644)
}

func parseVersion(s string) ([4]uint16, error) {
	var v [4]uint16
	for i, p := range strings.SplitN(s, ".", 4) {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return v, fmt.Errorf("version %q: %w", s, err)
		}
		v[i] = uint16(n)
	}
	return v, nil
}

// peEdit runs IN OUT N commands built on a pegen edit.
func peEdit(f func([]byte, int) ([]byte, error)) func([]string) error {
	return func(args []string) error {
		if len(args) != 3 {
			return fmt.Errorf("usage: IN OUT N")
		}
		n, err := strconv.Atoi(args[2])
		if err != nil || n < 0 {
			return fmt.Errorf("bad count %q", args[2])
		}
		return transform(args[0], args[1], func(b []byte) ([]byte, error) { return f(b, n) })
	}
}

func transform(in, out string, f func([]byte) ([]byte, error)) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	if b, err = f(b); err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	return os.WriteFile(out, b, 0o755)
}

func cmdPEFlip(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: pe-flip IN OUT")
	}
	return transform(args[0], args[1], pegen.Flip)
}

// cmdReplace replaces the first occurrence of OLD with NEW (same length).
func cmdReplace(args []string) error {
	if len(args) != 4 || len(args[2]) != len(args[3]) {
		return fmt.Errorf("usage: replace IN OUT OLD NEW (same length)")
	}
	return transform(args[0], args[1], func(b []byte) ([]byte, error) {
		i := bytes.Index(b, []byte(args[2]))
		if i < 0 {
			return nil, fmt.Errorf("%q not found", args[2])
		}
		copy(b[i:], args[3])
		return b, nil
	})
}
