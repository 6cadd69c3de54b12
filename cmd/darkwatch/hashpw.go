package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/darkwatch/darkwatch/index/api"
)

func init() {
	register(command{name: "hash-password", summary: "hash a password (or, with --token, an API token) read from stdin for serve.users / serve.tokens", run: runHashPassword})
}

func runHashPassword(_ context.Context, e env) int {
	fs := flag.NewFlagSet("hash-password", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cost := fs.Int("cost", api.DefaultPasswordCost, "bcrypt cost (10-16)")
	token := fs.Bool("token", false, "print sha256:<hex> of an API token instead (for serve.tokens[].token_hash)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: darkwatch hash-password [--cost N] [--token] < secret")
		fmt.Fprintln(e.stderr, "Reads one line from stdin and prints its hash.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(e.args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *cost < 10 || *cost > 16 {
		fmt.Fprintln(e.stderr, "darkwatch hash-password: --cost must be from 10 to 16")
		return exitUsage
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintln(e.stderr, "darkwatch hash-password:", err)
		return exitRuntime
	}
	secret := strings.TrimRight(line, "\r\n")
	if secret == "" {
		fmt.Fprintln(e.stderr, "darkwatch hash-password: empty input: write the secret on stdin")
		return exitUsage
	}
	if *token {
		h := sha256.Sum256([]byte(secret))
		fmt.Fprintln(e.stdout, "sha256:"+hex.EncodeToString(h[:]))
		return exitOK
	}
	if len(secret) > 72 {
		fmt.Fprintln(e.stderr, "darkwatch hash-password: bcrypt uses at most 72 bytes: use a shorter password")
		return exitUsage
	}
	h, err := bcrypt.GenerateFromPassword([]byte(secret), *cost)
	if err != nil {
		fmt.Fprintln(e.stderr, "darkwatch hash-password:", err)
		return exitRuntime
	}
	fmt.Fprintln(e.stdout, string(h))
	return exitOK
}
