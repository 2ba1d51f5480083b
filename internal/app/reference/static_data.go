package reference

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/refcache"
)

// staticMemo keeps the decoded form of the last document seen, so a warm request neither queries nor
// decodes: it compares the cached bytes and reuses the value.
type staticMemo struct {
	raw  string
	etag string
	data oas.StaticData
}

// GetStaticData returns every lookup table. Warm, it is served from the reference cache (valkey-go's
// client-side cache, so no round trip at all); cold, it is one SQL statement. It answers If-None-Match
// with 304.
func (h *Handler) GetStaticData(ctx context.Context, params oas.GetStaticDataParams) (oas.GetStaticDataRes, error) {
	raw, ok, fill := h.refs.Lookup(ctx)
	if !ok {
		doc, err := h.staticDocument(ctx)
		if err != nil {
			return nil, err
		}
		raw = doc
		h.refs.Store(fill, raw)
	}
	m := h.staticMemo.Load()
	if m == nil || m.raw != raw {
		m = &staticMemo{raw: raw}
		if err := m.data.UnmarshalJSON([]byte(raw)); err != nil {
			return nil, fmt.Errorf("error decoding cached static data: %w", err)
		}
		sum := sha256.Sum256([]byte(raw))
		m.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
		h.staticMemo.Store(m)
	}
	if app.ETagMatches(params.IfNoneMatch.Or(""), m.etag) {
		return &oas.GetStaticDataNotModified{ETag: m.etag}, nil
	}
	return &oas.StaticDataHeaders{ETag: m.etag, Response: m.data}, nil
}

// InvalidateStaticData drops the cached lookups everywhere; admin changes call it.
func (h *Handler) InvalidateStaticData(ctx context.Context) error { return h.refs.Invalidate(ctx) }

// refreshWait bounds how long RefreshStaticData waits for its fill to reach the cache.
const refreshWait = time.Second

// RefreshStaticData makes the cache hold the static data PostgreSQL holds, before the server takes traffic,
// so the first request after a deploy costs no SQL (DESIGN.md). A copy that is already current is left
// alone: a start that seeds without changing anything (`serve --seed`, as `make run` does) no longer drops
// the document every process reads, which made the next request of every process read PostgreSQL. A copy
// that differs (the seed or an operator changed a lookup) is replaced, and a missing one (never filled,
// evicted, expired) is filled. It costs one statement when the copy is current or missing, and waits up to a
// second for the fill to land; when Valkey cannot be read it stores nothing and the first miss fills as
// before.
func (h *Handler) RefreshStaticData(ctx context.Context) error {
	// Every read of PostgreSQL follows the lookup whose fill stores it, so that the fill's guard refuses it
	// if a change was committed in between.
	cached, ok, fill := h.refs.Lookup(ctx)
	doc, err := h.staticDocument(ctx)
	if err != nil {
		return err
	}
	if ok && cached == doc {
		return nil
	}
	if ok {
		if err := h.refs.Invalidate(ctx); err != nil {
			return fmt.Errorf("error replacing cached static data: %w", err)
		}
		_, _, fill = h.refs.Lookup(ctx)
		if doc, err = h.staticDocument(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, refreshWait)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for fill != (refcache.Fill{}) {
		h.refs.Store(fill, doc)
		select {
		case <-ctx.Done():
			return nil // the first request fills it instead
		case <-tick.C:
		}
		// Cached now: this fill or a newer one of another process. Otherwise the fill was refused (the
		// generation read right after the invalidation can be this process's old copy of it) or is still
		// queued: look up and read again.
		if _, ok, fill = h.refs.Lookup(ctx); ok {
			return nil
		}
		if doc, err = h.staticDocument(ctx); err != nil {
			return err
		}
	}
	return nil
}

// staticDocument reads the static data from PostgreSQL and encodes it as the cache stores it.
func (h *Handler) staticDocument(ctx context.Context) (string, error) {
	data, err := h.loadStaticData(ctx)
	if err != nil {
		return "", err
	}
	doc, err := data.MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("error encoding static data: %w", err)
	}
	return string(doc), nil
}

// loadStaticData reads every lookup table in one SQL round trip.
func (h *Handler) loadStaticData(ctx context.Context) (*oas.StaticData, error) {
	rows, err := h.q.StaticDataList(ctx, h.db)
	if err != nil {
		return nil, fmt.Errorf("error listing static data: %w", err)
	}
	out := &oas.StaticData{
		ResidenceTypes:        []oas.ResidenceType{},
		TaskCategories:        []oas.TaskCategory{},
		TaskPriorities:        []oas.TaskPriority{},
		TaskFrequencies:       []oas.TaskFrequency{},
		ContractorSpecialties: []oas.ContractorSpecialty{},
	}
	for _, r := range rows {
		switch r.Kind {
		case "residence_type":
			out.ResidenceTypes = append(out.ResidenceTypes,
				oas.ResidenceType{ID: r.ID, Name: r.Name, DisplayOrder: r.DisplayOrder})
		case "task_category":
			out.TaskCategories = append(out.TaskCategories, oas.TaskCategory{
				ID: r.ID, Name: r.Name, Icon: r.Icon, Color: r.Color, DisplayOrder: r.DisplayOrder})
		case "task_priority":
			out.TaskPriorities = append(out.TaskPriorities, oas.TaskPriority{
				ID: r.ID, Name: r.Name, Level: r.Level, Color: r.Color, DisplayOrder: r.DisplayOrder})
		case "task_frequency":
			out.TaskFrequencies = append(out.TaskFrequencies,
				oas.TaskFrequency{ID: r.ID, Name: r.Name, IntervalDays: app.NilInt32(r.IntervalDays), DisplayOrder: r.DisplayOrder})
		case "contractor_specialty":
			out.ContractorSpecialties = append(out.ContractorSpecialties,
				oas.ContractorSpecialty{ID: r.ID, Name: r.Name, DisplayOrder: r.DisplayOrder})
		}
	}
	return out, nil
}
