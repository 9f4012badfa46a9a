// Command mkpf writes a Prefetch file for the fixture scripts:
//
//	mkpf -version 30 -exe X.EXE -hash 1A2B3C4D -runs 3 -time 2022-04-12T09:30:00Z[,...] \
//	     -file '\VOLUME{...}\PATH'... -volume '\VOLUME{...}' -serial 1234ABCD -compress -o OUT
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/execart/pftest"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mkpf:", err)
		os.Exit(1)
	}
}

func run() error {
	var f pftest.File
	var files list
	version := flag.Int("version", 30, "format version")
	exe := flag.String("exe", "", "executable name")
	hash := flag.String("hash", "0", "prefetch hash (hex)")
	runs := flag.Uint("runs", 1, "run count")
	times := flag.String("time", "", "run times, RFC 3339, newest first, comma separated")
	volume := flag.String("volume", `\VOLUME{01d2c0a5e8f0a1b2-1234abcd}`, "volume device path")
	serial := flag.String("serial", "1234ABCD", "volume serial (hex)")
	created := flag.String("created", "2021-06-01T10:00:00Z", "volume creation time")
	compress := flag.Bool("compress", false, "write the MAM\\x04 container")
	out := flag.String("o", "", "output file")
	flag.Var(&files, "file", "referenced file (repeatable)")
	flag.Parse()
	h, err := strconv.ParseUint(*hash, 16, 32)
	if err != nil {
		return err
	}
	s, err := strconv.ParseUint(*serial, 16, 32)
	if err != nil {
		return err
	}
	c, err := time.Parse(time.RFC3339, *created)
	if err != nil {
		return err
	}
	f = pftest.File{Version: *version, Executable: *exe, Hash: uint32(h), RunCount: uint32(*runs), Files: files,
		Volumes: []pftest.Volume{{DevicePath: *volume, Serial: uint32(s), Created: c}}}
	for _, t := range strings.Split(*times, ",") {
		if t == "" {
			continue
		}
		rt, err := time.Parse(time.RFC3339, t)
		if err != nil {
			return err
		}
		f.RunTimes = append(f.RunTimes, rt)
	}
	b := f.Bytes()
	if *compress {
		b = pftest.CompressMAM(b)
	}
	return os.WriteFile(*out, b, 0o644)
}
