package main

import (
	"crypto"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/catgen"
	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/machosign"
	"github.com/cascade-ir/cascade/internal/collect/codesign/peinfo"
)

// cmdCatalog writes a signed catalog listing the given PE files by their
// Authenticode image digests, as makecat and signtool would.
func cmdCatalog(args []string) error {
	fs := flag.NewFlagSet("catalog", flag.ContinueOnError)
	certF := fs.String("cert", "", "signer certificate (PEM)")
	keyF := fs.String("key", "", "signer key (PEM, PKCS#8 or PKCS#1)")
	chainF := fs.String("chain", "", "intermediate/root certificates (PEM)")
	sha256 := fs.Bool("sha256", false, "key members by SHA-256 (else SHA-1)")
	out := fs.String("out", "", "catalog to write")
	when := fs.Int64("time", 1677801000, "the list's this-update time (Unix seconds)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 || *certF == "" || *keyF == "" || *out == "" {
		return errors.New("usage: catalog -cert C -key K [-chain P] [-sha256] -out OUT PE [PE]")
	}
	cert, key, chain, err := machosign.LoadSigner(*certF, *keyF, *chainF)
	if err != nil {
		return err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return errors.New("the key cannot sign")
	}
	h := crypto.SHA1
	if *sha256 {
		h = crypto.SHA256
	}
	var members []catgen.Member
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return err
		}
		d, err := peinfo.ImageDigests(f, st.Size(), []crypto.Hash{h})
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		members = append(members, catgen.Member{File: filepath.Base(name), Digest: d[h]})
	}
	b, err := catgen.Build(members, catgen.Options{Cert: cert, Key: signer, Chain: chain, SHA256: *sha256,
		ListID: []byte("cascade-test-catalog"), ThisUpdate: time.Unix(*when, 0)})
	if err != nil {
		return err
	}
	return os.WriteFile(*out, b, 0o644)
}
