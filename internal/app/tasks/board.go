package tasks

import (
	"context"
	"fmt"
	"slices"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// boardColumns are the board's columns in display order.
var boardColumns = [...]struct {
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

// boardColumnIndex is the position of the column a row names in boardColumns; an unknown name goes first,
// as it always has.
func boardColumnIndex(name string) int {
	for i := range boardColumns {
		if string(boardColumns[i].name) == name {
			return i
		}
	}
	return 0
}

// boardResult is a board with its ETag, or only the ETag when the client's copy is current (304).
type boardResult struct {
	*oas.BoardHeaders
	notModified bool
}

// board runs the board query (one statement) and answers 304 when ifNoneMatch names the current ETag.
// The ETag is hashed from the rows (boardETag), so the board is JSON-encoded once, by the response encoder,
// and a 304 does not build the board at all.
func (h *Handler) board(ctx context.Context, residenceID *int64, threshold int32, ifNoneMatch string) (boardResult, error) {
	rows, err := h.q.TaskBoard(ctx, h.db, &dbsqlc.TaskBoardParams{
		UserID: app.PrincipalFrom(ctx).User.ID, ResidenceID: residenceID, ThresholdDays: threshold})
	if err != nil {
		return boardResult{}, fmt.Errorf("error loading board: %w", err)
	}
	etag := boardETag(threshold, rows)
	if app.ETagMatches(ifNoneMatch, etag) {
		return boardResult{BoardHeaders: &oas.BoardHeaders{ETag: etag}, notModified: true}, nil
	}
	return boardResult{BoardHeaders: &oas.BoardHeaders{ETag: etag, Response: layOutBoard(threshold, rows)}}, nil
}

// layOutBoard lays the rows out in columns, keeping the query's order (soonest due first) within each
// column. The cards of all columns share one array, sized once.
func layOutBoard(threshold int32, rows []*dbsqlc.TaskBoardRow) oas.Board {
	var counts [len(boardColumns)]int32 // a board is one query's rows: far fewer than 2^31
	for _, r := range rows {
		counts[boardColumnIndex(r.BoardColumn)]++
	}
	cards := make([]oas.Task, len(rows))
	b := oas.Board{DaysThreshold: threshold, Columns: make([]oas.BoardColumn, len(boardColumns))}
	start := 0
	for i, c := range boardColumns {
		b.Columns[i] = oas.BoardColumn{Name: c.name, DisplayName: c.display, Count: counts[i],
			Tasks: cards[start : start : start+int(counts[i])]}
		start += int(counts[i])
	}
	for _, r := range rows {
		col := &b.Columns[boardColumnIndex(r.BoardColumn)]
		col.Tasks = append(col.Tasks, app.TaskCard(r))
	}
	return b
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
