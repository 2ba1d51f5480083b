package app

import (
	"strings"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// TaskCard maps the card columns every task query returns (see db/queries/tasks.sql) to the API type.
// Other row types convert to TaskBoardRow because their columns are the same.
func TaskCard(r *dbsqlc.TaskBoardRow) oas.Task {
	t := oas.Task{
		ID: r.ID, ResidenceID: r.ResidenceID, CreatedBy: NilInt64(r.CreatedBy), AssignedTo: NilInt64(r.AssignedTo),
		Title: r.Title, Description: r.Description, CategoryID: NilInt64(r.CategoryID),
		CategoryName: NilString(r.CategoryName), PriorityID: NilInt64(r.PriorityID),
		PriorityName: NilString(r.PriorityName), PriorityLevel: NilInt32(r.PriorityLevel),
		FrequencyID: NilInt64(r.FrequencyID), FrequencyName: NilString(r.FrequencyName),
		IntervalDays: NilInt32(r.IntervalDays), RecurrenceAnchor: oas.RecurrenceAnchor(r.RecurrenceAnchor),
		InProgress: r.InProgress, DueDate: NilDate(r.DueDate), NextDueDate: NilDate(r.NextDueDate),
		EstimatedCost: NilFloat64(r.EstimatedCost), IsCancelled: r.IsCancelled, IsArchived: r.IsArchived,
		CompletionCount: r.CompletionCount, LastCompletedAt: NilDateTime(UTCPtr(r.LastCompletedAt)),
		Column: oas.BoardColumnName(r.BoardColumn), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	effective := r.NextDueDate
	if effective == nil {
		effective = r.DueDate
	}
	t.EffectiveDueDate = NilDate(effective)
	t.AssigneeName = oas.NilString{Null: true}
	if r.AssigneeFirstName != nil {
		name := *r.AssigneeFirstName // without a last name, no concatenation to allocate
		if last := OrZero(r.AssigneeLastName); last != "" {
			name += " " + last
		}
		t.AssigneeName = oas.NewNilString(strings.TrimSpace(name))
	}
	t.ContractorID, t.ContractorName = NilInt64(r.ContractorID), NilString(r.ContractorName)
	return t
}
