package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/cascade-ir/cascade/internal/collect/codesign/internal/machosign"
)

func cmdMachOSign(args []string) error {
	fs := flag.NewFlagSet("macho-sign", flag.ContinueOnError)
	certF := fs.String("cert", "", "signer certificate (PEM)")
	keyF := fs.String("key", "", "signer key (PEM, PKCS#8 or PKCS#1)")
	chainF := fs.String("chain", "", "intermediate/root certificates (PEM)")
	id := fs.String("id", "", "code directory identifier")
	team := fs.String("team", "", "team identifier")
	runtime := fs.Bool("runtime", false, "set the hardened runtime flag")
	infoF := fs.String("infoplist", "", "Info.plist to bind (special slot 1)")
	resF := fs.String("resources", "", "CodeResources to bind (special slot 3)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 || *certF == "" || *keyF == "" || *id == "" {
		return fmt.Errorf("usage: macho-sign -cert C -key K [-chain P] -id ID [-team T] IN OUT")
	}
	o := machosign.Options{ID: *id, Team: *team, Runtime: *runtime}
	var err error
	if o.Cert, o.Key, o.Chain, err = machosign.LoadSigner(*certF, *keyF, *chainF); err != nil {
		return err
	}
	if o.InfoPlist, err = readOptional(*infoF); err != nil {
		return err
	}
	if o.Resources, err = readOptional(*resF); err != nil {
		return err
	}
	return transform(fs.Arg(0), fs.Arg(1), func(b []byte) ([]byte, error) { return machosign.Sign(b, o) })
}

func readOptional(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	return os.ReadFile(path)
}

func cmdMachOFlip(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: macho-flip IN OUT")
	}
	return transform(args[0], args[1], machosign.Flip)
}

func cmdMachOFat(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: macho-fat OUT IN [IN]")
	}
	var slices [][]byte
	for _, in := range args[1:] {
		b, err := os.ReadFile(in)
		if err != nil {
			return err
		}
		slices = append(slices, b)
	}
	out, err := machosign.Fat(slices...)
	if err != nil {
		return err
	}
	return os.WriteFile(args[0], out, 0o755)
}
