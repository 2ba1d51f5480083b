package tasks

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// boardETagLayout names how a board is laid out and encoded from its rows. The ETag hashes the rows, not the
// JSON, so a change to what the JSON shows for the same rows (a new card field computed in Go, a renamed
// column) must change this string, or clients keep a stale board.
const boardETagLayout = "homekeep board 1"

// boardETag tags the board that threshold and rows encode to, without encoding it: xxhash64 (fixed seed, so
// every process gives the same tag for the same data) over every field of every row in order, each string
// length-prefixed, each integer a varint (self-delimiting) and each nullable field preceded by its presence, so two different boards cannot feed the
// same bytes. It hashes more than the response shows (sub-second timestamps, each row's local "today"), so
// it can change when the body does not, never the other way round.
func boardETag(threshold int32, rows []*dbsqlc.TaskBoardRow) string {
	var d xxhash.Digest
	d.Reset()
	var scratch [1024]byte
	b := appendString(scratch[:0], boardETagLayout)
	b = binary.AppendVarint(b, int64(threshold))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(rows)))
	for _, r := range rows {
		b = appendBoardRow(b, r)
		if len(b) >= len(scratch)/2 {
			_, _ = d.Write(b)
			b = b[:0]
		}
	}
	_, _ = d.Write(b)
	var tag [2 + 2*8]byte
	tag[0], tag[len(tag)-1] = '"', '"'
	var sum [8]byte
	binary.BigEndian.PutUint64(sum[:], d.Sum64())
	hex.Encode(tag[1:len(tag)-1], sum[:])
	return string(tag[:])
}

// appendBoardRow appends every field of r, in the struct's order. TestBoardETagCoversEveryRowField fails
// when a field is added to the row and not here.
func appendBoardRow(b []byte, r *dbsqlc.TaskBoardRow) []byte {
	b = appendInt64(b, r.ID)
	b = appendInt64(b, r.ResidenceID)
	b = appendNilInt64(b, r.CreatedBy)
	b = appendNilInt64(b, r.AssignedTo)
	b = appendString(b, r.Title)
	b = appendString(b, r.Description)
	b = appendNilInt64(b, r.CategoryID)
	b = appendNilInt64(b, r.PriorityID)
	b = appendNilInt64(b, r.FrequencyID)
	b = appendNilInt32(b, r.IntervalDays)
	b = appendString(b, r.RecurrenceAnchor)
	b = appendBool(b, r.InProgress)
	b = appendNilTime(b, r.DueDate)
	b = appendNilTime(b, r.NextDueDate)
	b = appendNilFloat64(b, r.EstimatedCost)
	b = appendBool(b, r.IsCancelled)
	b = appendBool(b, r.IsArchived)
	b = binary.AppendVarint(b, int64(r.CompletionCount))
	b = appendNilTime(b, r.LastCompletedAt)
	b = appendTime(b, r.CreatedAt)
	b = appendTime(b, r.UpdatedAt)
	b = appendNilInt64(b, r.ContractorID)
	b = appendNilString(b, r.CategoryName)
	b = appendNilString(b, r.PriorityName)
	b = appendNilInt32(b, r.PriorityLevel)
	b = appendNilString(b, r.FrequencyName)
	b = appendNilString(b, r.AssigneeFirstName)
	b = appendNilString(b, r.AssigneeLastName)
	b = appendNilString(b, r.ContractorName)
	b = appendTime(b, r.Today)
	return appendString(b, r.BoardColumn)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendInt64(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendTime appends the instant (seconds and nanoseconds, so dates past 2262 stay distinct). The location
// is left out: the board formats timestamps in UTC, and dates come from the driver at UTC midnight.
func appendTime(b []byte, t time.Time) []byte {
	return binary.AppendVarint(binary.AppendVarint(b, t.Unix()), int64(t.Nanosecond()))
}

func appendNilInt64(b []byte, p *int64) []byte {
	if p == nil {
		return append(b, 0)
	}
	return appendInt64(append(b, 1), *p)
}

func appendNilInt32(b []byte, p *int32) []byte {
	if p == nil {
		return append(b, 0)
	}
	return binary.AppendVarint(append(b, 1), int64(*p))
}

func appendNilFloat64(b []byte, p *float64) []byte {
	if p == nil {
		return append(b, 0)
	}
	return binary.LittleEndian.AppendUint64(append(b, 1), math.Float64bits(*p))
}

func appendNilString(b []byte, p *string) []byte {
	if p == nil {
		return append(b, 0)
	}
	return appendString(append(b, 1), *p)
}

func appendNilTime(b []byte, p *time.Time) []byte {
	if p == nil {
		return append(b, 0)
	}
	return appendTime(append(b, 1), *p)
}
