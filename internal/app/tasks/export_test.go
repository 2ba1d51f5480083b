package tasks

import (
	"context"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// BoardByToken exposes boardByToken to the package's tests, which run a whole server (apptest) and so live
// in package tasks_test.
func (h *Handler) BoardByToken(ctx context.Context, residenceID *int64, threshold oas.OptInt32) ([]*dbsqlc.TaskBoardRow, int32, error) {
	return h.boardByToken(ctx, residenceID, threshold)
}
