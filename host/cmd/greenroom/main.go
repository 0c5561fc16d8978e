// Command greenroom runs the Greenroom developer portal and its plugin tools.
package main

import (
	"os"

	"greenroom.dev/greenroom/host/internal/cli"
)

func main() {
	os.Exit(cli.Run(&cli.Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.LookupEnv}, os.Args[1:]))
}
