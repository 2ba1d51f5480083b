package main

import (
	"context"
	"fmt"
	"io"
)

const settingsSynopsis = `settings limitations on|off

Turns the subscription tiers' limits on or off for every account. Off (the default) means everything is
unlimited whatever the tier: a self-hosted installation gets everything. Creates read the switch in their own
statement, so it applies on the next request in every running server.`

// settingsCmd runs `homekeep settings limitations on|off`.
func settingsCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("settings", settingsSynopsis, stdout, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 || fs.Arg(0) != "limitations" || (fs.Arg(1) != "on" && fs.Arg(1) != "off") {
		fs.Usage()
		return errUsage
	}
	op, err := openOperator(ctx, env, stderr)
	if err != nil {
		return err
	}
	defer op.Close()
	if err := op.SetLimitations(ctx, fs.Arg(1) == "on"); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "limitations %s\n", fs.Arg(1))
	return nil
}
