package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// usersCmd runs operator actions on accounts: `homekeep users deactivate|activate EMAIL`. Deactivation
// reaches every running server through Valkey, so it needs the same VALKEY_URL and CACHE_KEY_PREFIX as they
// use. It also works while Valkey is unreachable: the revocation of the account's tokens is recorded in
// PostgreSQL with the deactivation, and it reaches Valkey at the next periodic delivery job or when the
// servers reach Valkey again.
func usersCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("users", usersSynopsis, stdout, stderr)
	until := fs.String("until", "", "set-tier: the last day of the grant (YYYY-MM-DD, through the end of that day UTC); unset: no end")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 3 && fs.Arg(0) == "set-tier" { // flags after the arguments: set-tier EMAIL TIER --until DATE
		rest := fs.Args()
		if err := parseFlags(fs, rest[3:]); err != nil {
			return err
		}
		if fs.NArg() != 0 {
			fs.Usage()
			return errUsage
		}
		return setTierCmd(ctx, env, stdout, stderr, rest[1], rest[2], *until)
	}
	if fs.NArg() == 3 && fs.Arg(0) == "set-tier" {
		return setTierCmd(ctx, env, stdout, stderr, fs.Arg(1), fs.Arg(2), *until)
	}
	if fs.NArg() != 2 || (fs.Arg(0) != "deactivate" && fs.Arg(0) != "activate") || *until != "" {
		fs.Usage()
		return errUsage
	}
	op, err := openOperator(ctx, env, stderr)
	if err != nil {
		return err
	}
	defer op.Close()

	email, change := fs.Arg(1), op.DeactivateUser
	if fs.Arg(0) == "activate" {
		change = op.ActivateUser
	}
	reached, err := change(ctx, email)
	if reached.ValkeyUnreachable != nil {
		fmt.Fprintf(stderr, "valkey is unreachable (%v): running servers apply the change within %v of reaching it\n",
			reached.ValkeyUnreachable, reached.ApplyWithin)
	}
	if err != nil {
		return err // an unknown email is service.NoAccountError, one line that names it
	}
	fmt.Fprintf(stdout, "%s %sd\n", email, fs.Arg(0))
	return nil
}

const usersSynopsis = `users deactivate|activate EMAIL
       users set-tier EMAIL free|pro [--until YYYY-MM-DD]

set-tier gives the account a subscription tier as an operator's grant (source admin), with no end or through
the given day (UTC); past it the account counts as free. Limits only apply while limitations are on.`

// setTierCmd runs `homekeep users set-tier EMAIL TIER [--until DATE]`.
func setTierCmd(ctx context.Context, env lookupFunc, stdout, stderr io.Writer, email, tier, until string) error {
	var end *time.Time
	if until != "" {
		d, err := time.Parse(time.DateOnly, until)
		if err != nil {
			return fmt.Errorf("--until: want a date such as 2027-12-31, got %q", until)
		}
		d = d.AddDate(0, 0, 1) // through the end of that day
		end = &d
	}
	op, err := openOperator(ctx, env, stderr)
	if err != nil {
		return err
	}
	defer op.Close()
	if err := op.SetTier(ctx, email, tier, end); err != nil {
		return err
	}
	if end != nil {
		fmt.Fprintf(stdout, "%s is on %s until %s\n", email, tier, end.Format(time.RFC3339))
	} else {
		fmt.Fprintf(stdout, "%s is on %s\n", email, tier)
	}
	return nil
}
