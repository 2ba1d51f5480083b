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

// board answers a board request. When the versions of the board's residences can be read (boardView), its
// ETag is computed from them before any SQL: a current If-None-Match is answered 304, and a board built
// earlier under the same versions is served from memory, both with no statement. Otherwise the board
// statement runs (one statement; the residences' timezones, when unknown, are read beside it), and the board
// is tagged and cached under the view only if its rows are what the view describes; failing that, or with
// no view at all, it is tagged from its rows (boardETag) as before.
func (h *Handler) board(ctx context.Context, residenceID *int64, threshold int32, ifNoneMatch string) (boardResult, error) {
	userID := app.PrincipalFrom(ctx).User.ID
	var ids []int64
	if residenceID != nil {
		ids = []int64{*residenceID}
	}
	view, versioned, cold := h.readView(ctx, userID, ids)
	if key := view.keyFor(threshold); versioned && cold == nil && key != "" {
		etag := versionETag(key)
		if app.ETagMatches(ifNoneMatch, etag) {
			return boardResult{BoardHeaders: &oas.BoardHeaders{ETag: etag}, notModified: true}, nil
		}
		if b, ok := h.built.get(key); ok {
			return boardResult{BoardHeaders: &oas.BoardHeaders{ETag: etag, Response: *b}}, nil
		}
	}

	var (
		side  func(context.Context)
		zones map[int64]string
	)
	if missing := view.missingZones(); versioned && len(missing) > 0 {
		side = func(ctx context.Context) { zones = h.residenceZones(ctx, missing) }
	}
	rows, err := h.boardRows(ctx, &dbsqlc.TaskBoardParams{UserID: userID, ResidenceID: residenceID, ThresholdDays: threshold}, side, cold)
	if err != nil {
		return boardResult{}, fmt.Errorf("error loading board: %w", err)
	}
	if cold != nil && !cold.confirm(h.access, h.lists, userID) {
		versioned = false
	}
	if zones != nil {
		view.date(zones)
		h.boards.FillTimezones(view.stamp, zones)
	}

	key := view.keyFor(threshold)
	if !versioned || key == "" || !view.shows(rows) {
		return fromRows(threshold, rows, ifNoneMatch), nil
	}
	etag := versionETag(key)
	if app.ETagMatches(ifNoneMatch, etag) {
		return boardResult{BoardHeaders: &oas.BoardHeaders{ETag: etag}, notModified: true}, nil
	}
	b := layOutBoard(threshold, rows)
	h.built.put(key, &b)
	return boardResult{BoardHeaders: &oas.BoardHeaders{ETag: etag, Response: b}}, nil
}

// fromRows answers with the board of rows tagged from the rows themselves (boardETag): 304 when
// ifNoneMatch names that tag.
func fromRows(threshold int32, rows []*dbsqlc.TaskBoardRow, ifNoneMatch string) boardResult {
	etag := boardETag(threshold, rows)
	if app.ETagMatches(ifNoneMatch, etag) {
		return boardResult{BoardHeaders: &oas.BoardHeaders{ETag: etag}, notModified: true}
	}
	return boardResult{BoardHeaders: &oas.BoardHeaders{ETag: etag, Response: layOutBoard(threshold, rows)}}
}

// boardRows runs the board statement (with the caller's residence list when cold is not nil, in the same
// batch), and side, when given, at the same time on another connection: one round trip for all. side's
// failures are its own to ignore.
func (h *Handler) boardRows(ctx context.Context, p *dbsqlc.TaskBoardParams, side func(context.Context), cold *coldList) ([]*dbsqlc.TaskBoardRow, error) {
	read := func() ([]*dbsqlc.TaskBoardRow, error) {
		if cold != nil {
			return h.readBoardAndList(ctx, p, cold)
		}
		return h.q.TaskBoard(ctx, h.db, p)
	}
	if side == nil {
		return read()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		side(ctx)
	}()
	rows, err := read()
	<-done
	return rows, err
}

// residenceZones reads the timezones of residences from PostgreSQL; nil when it cannot (the board is then
// tagged from its rows).
func (h *Handler) residenceZones(ctx context.Context, ids []int64) map[int64]string {
	rows, err := h.q.ResidenceTimezones(ctx, h.db, ids)
	if err != nil {
		return nil
	}
	zones := make(map[int64]string, len(rows))
	for _, r := range rows {
		zones[r.ID] = r.Timezone
	}
	return zones
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

// GetBoard returns the board across every residence the caller can access: with no SQL while its
// residences are unchanged (see board), else in one SQL statement. The due-soon threshold is the caller's
// setting unless the request names one. When the token was not cached, the board statement goes out with
// the authentication's in one round trip (boardByToken), and the board is tagged from its rows.
func (h *Handler) GetBoard(ctx context.Context, params oas.GetBoardParams) (oas.GetBoardRes, error) {
	var (
		b   boardResult
		err error
	)
	if app.AuthenticationPending(ctx) {
		var (
			rows      []*dbsqlc.TaskBoardRow
			threshold int32
		)
		if rows, threshold, err = h.boardByToken(ctx, nil, params.DaysThreshold); err != nil {
			return nil, err
		}
		b = fromRows(threshold, rows, params.IfNoneMatch.Or(""))
	} else {
		threshold := params.DaysThreshold.Or(app.PrincipalFrom(ctx).User.DaysThreshold)
		if b, err = h.board(ctx, nil, threshold, params.IfNoneMatch.Or("")); err != nil {
			return nil, err
		}
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
