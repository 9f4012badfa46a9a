package linux

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cascade-ir/cascade/internal/testutil"
)

// fixtureDB returns the bytes of one database made by linux.sh.
func fixtureDB(t *testing.T, rel string, args ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.Fixture(t, "linux.sh", args...), rel))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRPMCorruptFiles(t *testing.T) {
	testutil.NeedTools(t, "python3", "rpmbuild", "rpm", "db5.3_load")
	sqliteDB := fixtureDB(t, "usr/lib/sysimage/rpm/rpmdb.sqlite", "fedora")
	bdbDB := fixtureDB(t, "var/lib/rpm/Packages", "centos")
	ndbDB := buildNDB(t, sqliteBlobs(t, writeTemp(t, "rpmdb.sqlite", sqliteDB)))
	tests := []struct {
		name    string
		file    string
		data    []byte
		found   int
		errPart string
	}{
		{"zero-byte rpmdb.sqlite", "rpmdb.sqlite", nil, 0, "too short"},
		{"zero-byte Packages", "Packages", nil, 0, "too short"},
		{"text named rpmdb.sqlite", "rpmdb.sqlite", []byte("this is not a database, just text\n"), 0, "not an rpm database"},
		{"truncated sqlite", "rpmdb.sqlite", sqliteDB[:4096], 0, "sqlite"},
		{"sqlite header on garbage", "rpmdb.sqlite", append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xff}, 8192)...), 0, "sqlite"},
		{"truncated berkeley db", "Packages", bdbDB[:len(bdbDB)/2], 1, "overflow"},
		{"berkeley db with a bad page size", "Packages", patch(bdbDB, 20, 0, 3, 0, 0), 0, "page size"},
		{"berkeley db overflow chain loops", "Packages", loopOverflow(t, bdbDB), 3, "overflow page"},
		{"ndb with a bad slot", "Packages.db", patch(ndbDB, 48, 'X'), 0, "bad magic"},
		{"ndb blob outside the file", "Packages.db", patch(ndbDB, 40, 0xff, 0xff, 0xff, 0x0f), 3, "outside the file"},
		{"ndb blobs overlap", "Packages.db", overlapNDB(ndbDB), 1, "3 malformed records"},
		{"ndb truncated", "Packages.db", ndbDB[:ndbPageSize-1], 0, "slot pages"},
		{"corrupt header in ndb", "Packages.db", patch(ndbDB, ndbPageSize+16, 0x7f), 3, "tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := collectBytes(t, tt.file, tt.data)
			if len(sink.Software) != tt.found {
				t.Errorf("%d packages, want %d", len(sink.Software), tt.found)
			}
			checkOneError(t, sink, tt.errPart, "parse:rpm")
		})
	}
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// patch returns a copy of data with b written at off.
func patch(data []byte, off int, b ...byte) []byte {
	out := bytes.Clone(data)
	copy(out[off:], b)
	return out
}

// loopOverflow points the first overflow page of a multi-page value back
// at itself.
func loopOverflow(t *testing.T, db []byte) []byte {
	t.Helper()
	out := bytes.Clone(db)
	ps := int(binary.LittleEndian.Uint32(db[20:]))
	for off := ps; off+ps <= len(out); off += ps {
		if out[off+25] == bdbPageOverflow && binary.LittleEndian.Uint32(out[off+16:]) != 0 {
			binary.LittleEndian.PutUint32(out[off+16:], uint32(off/ps))
			return out
		}
	}
	t.Fatal("no chained overflow page in the fixture")
	return nil
}

// overlapNDB points every slot at the first package's blob.
func overlapNDB(db []byte) []byte {
	out := bytes.Clone(db)
	for off := 32; ; off += 16 {
		if binary.LittleEndian.Uint32(out[off+4:]) == 0 {
			return out
		}
		copy(out[off+4:off+16], db[32+4:32+16])
	}
}

// TestRPMHostileSQLite checks that a database cannot make the query
// compute its answer.
func TestRPMHostileSQLite(t *testing.T) {
	tests := []struct {
		name, schema, errPart string
	}{
		{"no Packages table", "CREATE TABLE Other (x)", "no Packages table"},
		{"Packages is a view", "CREATE VIEW Packages AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n) SELECT i AS hnum, zeroblob(100) AS blob FROM n", "not a plain table"},
		{"generated blob", "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, x, blob AS (zeroblob(100000000)))", "computed"},
		{"no blob column", "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, data BLOB)", "no blob column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := collectBytes(t, "rpmdb.sqlite", makeSQLite(t, tt.schema))
			checkOneError(t, sink, tt.errPart, "parse:rpm")
		})
	}
}

func makeSQLite(t *testing.T, schema string, stmts ...string) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "db.sqlite")
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append([]string{schema}, stmts...) {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRPMSQLiteOversizeAndBadRows(t *testing.T) {
	sink := collectBytes(t, "rpmdb.sqlite", makeSQLite(t,
		"CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
		"INSERT INTO Packages (blob) VALUES (zeroblob(20000000))",
		"INSERT INTO Packages (blob) VALUES (x'00000001000000ff')"))
	if len(sink.Software) != 0 {
		t.Errorf("packages %+v", sink.Software)
	}
	checkOneError(t, sink, "2 malformed records", "parse:rpm")
}

// TestRPMWriteAheadLog checks that packages only in rpmdb.sqlite-wal,
// not yet checkpointed, are read.
func TestRPMWriteAheadLog(t *testing.T) {
	testutil.NeedTools(t, "python3", "rpmbuild", "rpm")
	main := writeTemp(t, "rpmdb.sqlite", fixtureDB(t, "usr/lib/sysimage/rpm/rpmdb.sqlite", "fedora"))
	blobs := sqliteBlobs(t, main)
	db, err := sql.Open("sqlite", main+"?_pragma=journal_mode(wal)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("DELETE FROM Packages WHERE hnum = 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO Packages (blob) VALUES (?), (?)", blobs[1], blobs[2]); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(main + "-wal")
	if err != nil || len(wal) == 0 {
		t.Fatalf("no write-ahead log: %v", err)
	}
	without := collectBytes(t, "rpmdb.sqlite", data)
	with := collectBytes(t, "rpmdb.sqlite", data, "rpmdb.sqlite-wal", string(wal))
	if len(without.Software) != 4 || len(with.Software) != 5 || len(with.Errors) != 0 {
		t.Errorf("without the log %d packages, with it %d (errors %+v); want 4 and 5",
			len(without.Software), len(with.Software), with.Errors)
	}
}

func TestParseHeaderBounds(t *testing.T) {
	// entry builds a one-entry header over data.
	header := func(tag, typ, off, count uint32, data string) []byte {
		b := binary.BigEndian.AppendUint32(nil, 1)
		b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
		for _, v := range []uint32{tag, typ, off, count} {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		return append(b, data...)
	}
	tests := []struct {
		name    string
		blob    []byte
		errPart string
	}{
		{"name", header(tagName, typeString, 0, 1, "xz\x00"), ""},
		{"too short", []byte{0, 0, 0}, "header of 3 bytes"},
		{"no tags", []byte{0, 0, 0, 0, 0, 0, 0, 0}, "claims 0 tags"},
		{"huge index", []byte{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0}, "claims"},
		{"huge data", []byte{0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff}, "claims"},
		{"truncated", header(tagName, typeString, 0, 1, "xz\x00")[:20], "shorter"},
		{"string without end", header(tagName, typeString, 0, 1, "xz"), "no end"},
		{"offset past data", header(tagName, typeString, 9, 1, "xz\x00"), "past"},
		{"name as int", header(tagName, typeInt32, 0, 1, "\x00\x00\x00\x01"), "not a string"},
		{"epoch past data", header(tagEpoch, typeInt32, 2, 1, "\x00\x00\x00\x01"), "past"},
		{"no name", header(tagVersion, typeString, 0, 1, "1\x00"), "no name"},
		{"other tags are not read", header(5000, 99, 1<<30, 1<<30, "x\x00"), "no name"},
	}
	for _, tt := range tests {
		_, err := parseHeader(tt.blob)
		if (err != nil) != (tt.errPart != "") || err != nil && !strings.Contains(err.Error(), tt.errPart) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.errPart)
		}
	}
}

func TestSourceName(t *testing.T) {
	for in, want := range map[string]string{
		"xz-5.6.0-1.fc40.src.rpm":          "xz",
		"openssl-3.2.1-2.fc40.src.rpm":     "openssl",
		"python3-pip-23.3-1.el9.nosrc.rpm": "python3-pip",
		"xz-5.6.0.src.rpm":                 "",
		"xz-5.6.0-1.fc40.x86_64.rpm":       "",
		"":                                 "",
		"-1-2.src.rpm":                     "",
	} {
		if got := sourceName(in); got != want {
			t.Errorf("sourceName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRPMTimeout checks that running out of time on one database is an
// error for that file, not for the scan.
func TestRPMTimeout(t *testing.T) {
	old := rpmTimeout
	rpmTimeout = time.Nanosecond
	defer func() { rpmTimeout = old }()
	sink := collectBytes(t, "rpmdb.sqlite", makeSQLite(t,
		"CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)"))
	checkOneError(t, sink, "deadline", "parse:rpm")
}
