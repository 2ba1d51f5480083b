package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// boardColumns are the board's columns in display order.
var boardColumns = []struct {
	name    oas.BoardColumnName
	display string
}{
	{oas.BoardColumnNameOverdue, "Overdue"},
	{oas.BoardColumnNameInProgress, "In Progress"},
	{oas.BoardColumnNameDueSoon, "Due Soon"},
	{oas.BoardColumnNameUpcoming, "Upcoming"},
	{oas.BoardColumnNameCompleted, "Completed"},
	{oas.BoardColumnNameCancelled, "Cancelled"},
}

// boardResult is a board with its ETag, or only the ETag when the client's copy is current (304).
type boardResult struct {
	*oas.BoardHeaders
	notModified bool
}

// board runs the board query (one statement) and lays the tasks out in columns, keeping the query's order
// (soonest due first) within each column. It answers 304 when ifNoneMatch names the current ETag.
func (h *Handler) board(ctx context.Context, residenceID *int64, threshold int32, ifNoneMatch string) (boardResult, error) {
	rows, err := h.q.TaskBoard(ctx, h.db, &dbsqlc.TaskBoardParams{
		UserID: app.PrincipalFrom(ctx).User.ID, ResidenceID: residenceID, ThresholdDays: threshold})
	if err != nil {
		return boardResult{}, fmt.Errorf("error loading board: %w", err)
	}
	index := map[oas.BoardColumnName]int{}
	b := oas.Board{DaysThreshold: threshold, Columns: make([]oas.BoardColumn, len(boardColumns))}
	for i, c := range boardColumns {
		index[c.name] = i
		b.Columns[i] = oas.BoardColumn{Name: c.name, DisplayName: c.display, Tasks: []oas.Task{}}
	}
	for _, r := range rows {
		t := app.TaskCard(r)
		col := &b.Columns[index[t.Column]]
		col.Tasks = append(col.Tasks, t)
		col.Count++
	}
	body, err := b.MarshalJSON()
	if err != nil {
		return boardResult{}, fmt.Errorf("error encoding board: %w", err)
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	if app.ETagMatches(ifNoneMatch, etag) {
		return boardResult{BoardHeaders: &oas.BoardHeaders{ETag: etag}, notModified: true}, nil
	}
	return boardResult{BoardHeaders: &oas.BoardHeaders{ETag: etag, Response: b}}, nil
}

// GetBoard returns the board across every residence the caller can access, in one SQL statement. The
// due-soon threshold is the caller's setting unless the request names one.
func (h *Handler) GetBoard(ctx context.Context, params oas.GetBoardParams) (oas.GetBoardRes, error) {
	threshold := params.DaysThreshold.Or(app.PrincipalFrom(ctx).User.DaysThreshold)
	b, err := h.board(ctx, nil, threshold, params.IfNoneMatch.Or(""))
	if err != nil {
		return nil, err
	}
	if b.notModified {
		return &oas.GetBoardNotModified{ETag: b.ETag}, nil
	}
	return b.BoardHeaders, nil
}

// GetResidenceBoard returns one residence's board; the access check reads the residence-access cache, so
// warm it is still one SQL statement.
func (h *Handler) GetResidenceBoard(ctx context.Context, params oas.GetResidenceBoardParams) (oas.GetResidenceBoardRes, error) {
	ids, err := h.access.ResidenceIDs(ctx, app.PrincipalFrom(ctx).User.ID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(ids, params.ID) {
		return nil, apierror.NotFound("residence")
	}
	threshold := params.DaysThreshold.Or(app.PrincipalFrom(ctx).User.DaysThreshold)
	b, err := h.board(ctx, &params.ID, threshold, params.IfNoneMatch.Or(""))
	if err != nil {
		return nil, err
	}
	if b.notModified {
		return &oas.GetResidenceBoardNotModified{ETag: b.ETag}, nil
	}
	return b.BoardHeaders, nil
}
