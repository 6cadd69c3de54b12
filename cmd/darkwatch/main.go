// Command darkwatch crawls darknet markets over Tor, extracts drug listings, indexes them and
// alerts analysts. See README.md and docs/ for the CLI contract.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Exit codes of the CLI contract.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

// env is what a subcommand gets from main: arguments after the subcommand name and the
// standard streams. Tests call Main with their own.
type env struct {
	args   []string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand. run returns an exit code.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env) int
}

var commands = map[string]command{}

// register adds a subcommand; each subcommand file calls it from init.
func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("darkwatch: duplicate command " + c.name)
	}
	commands[c.name] = c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Main runs the darkwatch CLI and returns its exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "darkwatch: unknown command %q; run 'darkwatch help' for the list\n", name)
		return exitUsage
	}
	return c.run(ctx, env{args: args[1:], stdin: stdin, stdout: stdout, stderr: stderr})
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "darkwatch: watch darknet drug markets over Tor, extract listings, search and alert.")
	fmt.Fprintln(w, "\nUsage: darkwatch <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'darkwatch <command> -h' for the flags of a command.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad config.")
}
