package tasks

import (
	"context"
	"slices"

	"github.com/maypok86/otter/v2"

	"github.com/homekeep/homekeep/internal/accesscache"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// lastListsSize bounds the residence lists kept as guesses: one short slice per user who asked for a board.
const lastListsSize = 20_000

// coldList is a board request whose caller's residence list was not in the access cache: the list is read
// in the board's round trip, then cached under fill. guess is the list the view was built on, nil for none.
type coldList struct {
	fill  accesscache.Fill
	guess []int64
	// ids is the list as read beside the board statement.
	ids []int64
}

// confirm caches the list read beside the board and reports whether it is the one the view guessed: only
// then may the board be tagged and cached under the view (its versions were read before the statement, for
// exactly these residences). A membership change bumps the residence's version, so a list that changed
// since the guess can only make the view wrong, never stale in a way a tag would hide.
func (c *coldList) confirm(access *app.Access, lists *lastLists, userID int64) bool {
	access.Store(c.fill, c.ids)
	lists.remember(userID, c.ids)
	return c.guess != nil && slices.Equal(c.guess, c.ids)
}

// lastLists remembers, per user, the residence list this process last read, with no expiry: the guess a
// board is viewed under when the access cache has dropped the list (after its TTL, or a restart of
// Valkey), so that a board after a long idle still costs one round trip and keeps its version tag.
type lastLists struct {
	c *otter.Cache[int64, []int64]
}

func newLastLists() *lastLists {
	return &lastLists{c: otter.Must(&otter.Options[int64, []int64]{MaximumSize: lastListsSize})}
}

func (l *lastLists) guess(userID int64) ([]int64, bool) { return l.c.GetIfPresent(userID) }

// remember stores ids unless they are already what is stored, so a warm board writes nothing.
func (l *lastLists) remember(userID int64, ids []int64) {
	if old, ok := l.c.GetIfPresent(userID); ok && slices.Equal(old, ids) {
		return
	}
	l.c.Set(userID, slices.Clone(ids))
}

// readBoardAndList runs the board statement with the caller's residence list in ONE round trip (one
// pipelined batch), for a board whose list was not cached.
func (h *Handler) readBoardAndList(ctx context.Context, p *dbsqlc.TaskBoardParams, cold *coldList) ([]*dbsqlc.TaskBoardRow, error) {
	var rows []*dbsqlc.TaskBoardRow
	err := app.ReadTogether(ctx, h.db,
		func(db dbsqlc.DBTX) (err error) {
			cold.ids, err = h.q.ResidenceIDsForUser(ctx, db, p.UserID)
			return err
		},
		func(db dbsqlc.DBTX) (err error) {
			rows, err = h.q.TaskBoard(ctx, db, p)
			return err
		})
	return rows, err
}
