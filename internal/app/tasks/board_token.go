package tasks

import (
	"context"
	"fmt"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// boardByToken reads the board of a request whose authentication is pending (app.AuthenticationPending: the
// token was not in the auth cache) in ONE round trip: the board statement keyed by the token's hash goes out
// pipelined with the authentication's own statement (app.ReadAuthenticated), instead of after it. It
// returns the rows as TaskBoard returns them and the due-soon threshold they were placed with (threshold
// when the request names one, else the user's own), or app.ErrInvalidToken (401) for a token that is
// unknown, revoked or whose user is inactive. residenceID narrows the board to one residence, as in
// TaskBoard; the rows only ever come from residences the token's user belongs to.
//
// Once it returns without an error the authentication is complete and app.PrincipalFrom works again, so
// what follows (the ETag, 304, layOutBoard) is the same as for a cached token.
func (h *Handler) boardByToken(ctx context.Context, residenceID *int64, threshold oas.OptInt32) ([]*dbsqlc.TaskBoardRow, int32, error) {
	var rows []*dbsqlc.TaskBoardRow
	user, err := app.ReadAuthenticated(ctx, func(db dbsqlc.DBTX, token []byte) error {
		byToken, err := h.q.TaskBoardByToken(ctx, db, &dbsqlc.TaskBoardByTokenParams{TokenHash: token,
			ThresholdDays: app.PtrIf(threshold.Get()), ResidenceID: residenceID})
		rows = make([]*dbsqlc.TaskBoardRow, len(byToken))
		for i, r := range byToken {
			rows[i] = (*dbsqlc.TaskBoardRow)(r)
		}
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("error loading board: %w", err)
	}
	return rows, threshold.Or(user.DaysThreshold), nil
}
