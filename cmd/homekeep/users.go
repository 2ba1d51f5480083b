package main

import (
	"context"
	"fmt"
	"io"
)

// usersCmd runs operator actions on accounts: `homekeep users deactivate|activate EMAIL`. Deactivation
// reaches every running server through Valkey, so it needs the same VALKEY_URL and CACHE_KEY_PREFIX as they
// use. It also works while Valkey is unreachable: the revocation of the account's tokens is recorded in
// PostgreSQL with the deactivation, and it reaches Valkey at the next periodic delivery job or when the
// servers reach Valkey again.
func usersCmd(ctx context.Context, args []string, env lookupFunc, stdout, stderr io.Writer) error {
	fs := newFlagSet("users", "users deactivate|activate EMAIL", stdout, stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 || (fs.Arg(0) != "deactivate" && fs.Arg(0) != "activate") {
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
