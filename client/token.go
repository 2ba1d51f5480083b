package client

import (
	"context"

	"github.com/ogen-go/ogen/ogenerrors"
)

// BearerToken is a SecuritySource that sends the token from register or login as
// `Authorization: Bearer <token>`, the scheme the API documents first. The empty token sends no
// Authorization header, which is enough for Register and Login; other operations then fail in the client,
// before any request is sent.
type BearerToken string

var _ SecuritySource = BearerToken("")

// BearerAuth implements SecuritySource.
func (t BearerToken) BearerAuth(context.Context, OperationName) (BearerAuth, error) {
	if t == "" {
		return BearerAuth{}, ogenerrors.ErrSkipClientSecurity
	}
	return BearerAuth{Token: string(t)}, nil
}

// TokenAuth implements SecuritySource. It is always skipped: the client sets Authorization once, with the
// Bearer scheme, and the older `Token` scheme would overwrite it.
func (BearerToken) TokenAuth(context.Context, OperationName) (TokenAuth, error) {
	return TokenAuth{}, ogenerrors.ErrSkipClientSecurity
}
