package app

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/ogen-go/ogen/middleware"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/authcache"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/identity"
)

// A token the auth cache does not know costs a statement (AuthTokenUser, token ⋈ user) before the request's
// own. For the hot reads, that statement goes out in the same round trip as the data statement instead
// (DESIGN.md: authentication runs beside the data statement, and the answer waits for both): the security
// handler defers the authentication of the operations DefersAuthentication names, and their handlers read
// with ReadAuthenticated, which sends AuthTokenUser and a variant of their statement keyed by the token's
// hash in one pipelined batch. Nothing is answered before the authentication has succeeded:
//   - the handler answers only with what ReadAuthenticated returned, which is an error (401 in the spec's
//     shape) unless the token's user came back;
//   - SettleAuthentication, the first ogen middleware, authenticates with the statement alone whatever an
//     operation's handler returned without completing it, and before any handler of an operation that does
//     not defer (which therefore never sees a pending authentication);
//   - SettleBeforeError does the same for the errors ogen answers before a handler runs (bad parameters);
//   - PrincipalFrom panics rather than return no user while the authentication is pending.
//
// The user the batch returns fills the auth cache exactly as a cold lookup does (authcache.Miss), so a
// token revoked, or a user evicted, while the batch was in flight is not cached.

// ErrInvalidToken refuses a token that is unknown, revoked, or whose user is no longer active.
var ErrInvalidToken = apierror.Unauthorized(apierror.CodeUnauthorized, "the token is invalid or has been revoked")

// deferredReads are the operations whose handlers authenticate through ReadAuthenticated.
var deferredReads = map[oas.OperationName]bool{
	oas.GetBoardOperation:        true,
	oas.ListResidencesOperation:  true,
	oas.ListContractorsOperation: true,
	oas.ListDocumentsOperation:   true,
}

// DefersAuthentication reports whether op's handler reads the user with its data when the token is not
// cached, so the security handler leaves the authentication pending for it.
func DefersAuthentication(op oas.OperationName) bool { return deferredReads[op] }

// TokenUser runs the cold authentication statement alone: the active user the token belongs to, or
// ErrInvalidToken. It is a read, repeated once on a live connection if PostgreSQL had closed this one.
func TokenUser(ctx context.Context, db *dbpool.DB, token authcache.TokenHash) (*identity.User, error) {
	row, err := dbsqlc.New().AuthTokenUser(ctx, db.Reads(), token[:])
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("error looking up token: %w", err)
	}
	return UserFromRow(&row.User), nil
}

// pendingAuth is an authentication the security handler deferred, completed once per request.
type pendingAuth struct {
	token authcache.TokenHash
	miss  *authcache.Miss
	db    *dbpool.DB

	mu   sync.Mutex
	done bool
	user *identity.User
	err  error
}

type pendingKey struct{}

// WithPendingAuthentication returns ctx carrying the deferred authentication of token, which the auth cache
// missed (miss holds the guards of the fills); the security handler calls it for the operations
// DefersAuthentication names.
func WithPendingAuthentication(ctx context.Context, token authcache.TokenHash, miss *authcache.Miss, db *dbpool.DB) context.Context {
	return context.WithValue(ctx, pendingKey{}, &pendingAuth{token: token, miss: miss, db: db})
}

// AuthenticationPending reports whether the request's authentication is still to be completed: the handler
// must then read through ReadAuthenticated (PrincipalFrom would panic).
func AuthenticationPending(ctx context.Context) bool {
	p := pendingFrom(ctx)
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.done
}

func pendingFrom(ctx context.Context) *pendingAuth {
	p, _ := ctx.Value(pendingKey{}).(*pendingAuth)
	return p
}

// ReadAuthenticated completes the request's pending authentication in the same round trip as its data: read
// runs one statement keyed by the token hash it is given (a ...ByToken query, which only ever returns the
// data of the token's active user), pipelined with AuthTokenUser (ReadTogether). It returns the user, after
// caching it as a cold lookup would, or ErrInvalidToken when the token is unknown, revoked or its user
// inactive; the data read is then to be dropped.
func ReadAuthenticated(ctx context.Context, read func(db dbsqlc.DBTX, token []byte) error) (*identity.User, error) {
	p := pendingFrom(ctx)
	if p == nil {
		return nil, errors.New("error reading with the authentication: none is pending")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return nil, errors.New("error reading with the authentication: it was already completed")
	}
	q := dbsqlc.New()
	var row *dbsqlc.AuthTokenUserRow
	err := ReadTogether(ctx, p.db,
		func(db dbsqlc.DBTX) error {
			r, err := q.AuthTokenUser(ctx, db, p.token[:])
			row = nil
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err == nil {
				row = r
			}
			return err
		},
		func(db dbsqlc.DBTX) error { return read(db, p.token[:]) })
	switch {
	case err != nil:
		err = fmt.Errorf("error reading with the token's authentication: %w", err)
		p.complete(nil, err)
		return nil, err
	case row == nil:
		p.complete(nil, ErrInvalidToken)
		return nil, ErrInvalidToken
	}
	u := UserFromRow(&row.User)
	p.complete(u, nil)
	return u, nil
}

// complete records the outcome (p.mu held) and caches the user.
func (p *pendingAuth) complete(u *identity.User, err error) {
	p.done, p.user, p.err = true, u, err
	if err == nil {
		p.miss.Complete(u)
	}
}

// settle returns the outcome of the authentication, running the statement alone if nothing completed it.
func (p *pendingAuth) settle(ctx context.Context) (*identity.User, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.done {
		p.complete(TokenUser(ctx, p.db, p.token))
	}
	return p.user, p.err
}

// completed returns the authenticated user, nil while pending or refused.
func (p *pendingAuth) completed() (*identity.User, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.user, p.done
}

// SettleAuthentication is the ogen middleware, first in the chain, that makes a deferred authentication
// impossible to skip. An operation that does not defer is authenticated before its handler runs (the
// security handler defers only those DefersAuthentication names, so this is a second lock). One that
// defers is authenticated after its handler returned, with the statement alone, unless the handler
// completed it; a refusal replaces whatever the handler answered.
func SettleAuthentication(req middleware.Request, next middleware.Next) (middleware.Response, error) {
	p := pendingFrom(req.Context)
	if p == nil {
		return next(req)
	}
	if !DefersAuthentication(req.OperationName) {
		if _, err := p.settle(req.Context); err != nil {
			return middleware.Response{}, err
		}
		return next(req)
	}
	resp, err := next(req)
	if _, aerr := p.settle(req.Context); aerr != nil {
		return middleware.Response{}, aerr
	}
	return resp, err
}

// SettleBeforeError returns the error to answer for err, which ogen is about to answer for a request whose
// handler did not run (its parameters did not decode): the authentication's refusal if it was pending and
// fails, err otherwise. An unauthenticated caller learns nothing from a 400.
func SettleBeforeError(ctx context.Context, err error) error {
	p := pendingFrom(ctx)
	if p == nil {
		return err
	}
	if _, aerr := p.settle(ctx); aerr != nil {
		return aerr
	}
	return err
}
