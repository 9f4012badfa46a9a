// Command cascade finds where a software supply-chain compromise landed and
// where it spread next. All behaviour lives in internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/cascade-ir/cascade/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
