package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/cascade-ir/cascade/internal/fleet"
)

// A full-scale fleet takes twenty minutes to build. With -state, the
// first run keeps its database and writes the simulated fleet (each
// host's credential, last snapshot and file generations) to a file;
// later runs load it, reuse the database as it was left, and go straight
// to the retro-hunt and the API phases. Each later run adds its own
// uploads to the history, as a fleet that kept reporting would.

type benchState struct {
	Engine   string      `json:"engine"`
	DSN      string      `json:"dsn"`
	Admin    string      `json:"admin"`
	T0       time.Time   `json:"t0"`
	Files    int         `json:"files"`
	Software int         `json:"software"`
	Runs     int         `json:"runs"` // reuses so far: each hunts intel of its own
	Hosts    []hostState `json:"hosts"`
}

type hostState struct {
	N      int          `json:"n"`
	Token  string       `json:"token"`
	SID    string       `json:"sid"`
	Digest fleet.Digest `json:"digest"`
	Gen    map[int]int  `json:"gen"`
	Round  int          `json:"round"`
}

// loadState reads a saved fleet; it returns nil when path does not exist.
func loadState(path, engine string) (*benchState, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st benchState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if st.Engine != engine || st.DSN == "" || st.Admin == "" || len(st.Hosts) == 0 {
		return nil, fmt.Errorf("%s: not a saved %s fleet", path, engine)
	}
	return &st, nil
}

// saveState writes the fleet as it is now, replacing path atomically.
func (b *bench) saveState(path, dsn, admin string, runs int) error {
	st := benchState{Engine: b.res.engine, DSN: dsn, Admin: admin, T0: b.t0, Files: b.c.files, Software: b.c.software, Runs: runs}
	for _, h := range b.hosts {
		st.Hosts = append(st.Hosts, hostState{N: h.n, Token: h.token, SID: h.sid, Digest: h.digest, Gen: h.gen, Round: h.round})
	}
	data, err := json.Marshal(&st)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// resume takes the fleet of a saved state.
func (b *bench) resume(st *benchState) {
	b.t0, b.c.files, b.c.software = st.T0, st.Files, st.Software
	b.c.hosts = len(st.Hosts)
	b.runs = st.Runs + 1
	for _, h := range st.Hosts {
		if h.Gen == nil {
			h.Gen = map[int]int{}
		}
		b.hosts = append(b.hosts, &simHost{n: h.N, token: h.Token, client: b.client(h.Token), sid: h.SID, digest: h.Digest, gen: h.Gen, round: h.Round})
	}
}
