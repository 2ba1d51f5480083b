package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

func completionName(first, last *string) oas.NilString {
	if first == nil {
		return oas.NilString{Null: true}
	}
	return oas.NewNilString(strings.TrimSpace(*first + " " + app.OrZero(last)))
}

// CompleteTask records a completion and advances the task, in one statement. The contractor who did the work,
// when named, must be one of the task's residence or a personal contractor of the caller.
func (h *Handler) CompleteTask(ctx context.Context, req oas.OptCompletionCreate, params oas.CompleteTaskParams) (oas.CompleteTaskRes, error) {
	user := app.PrincipalFrom(ctx).User
	body := req.Or(oas.CompletionCreate{})
	at := body.CompletedAt.Or(time.Now()).UTC()
	if at.After(time.Now().Add(maxClockSkew)) {
		return nil, apierror.Validation(map[string]string{"completed_at": "cannot be in the future"})
	}
	row, err := h.q.CompletionCreate(ctx, h.db, &dbsqlc.CompletionCreateParams{
		TaskID: params.ID, UserID: user.ID, ThresholdDays: user.DaysThreshold, CompletedAt: at, Notes: body.Notes.Or(""),
		ActualCost: app.PtrIf(body.ActualCost.Get()), Rating: app.PtrIf(body.Rating.Get()),
		ContractorID: app.PtrIf(body.ContractorID.Get()),
	})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		if err := h.taskWriteRefusal(ctx, &dbsqlc.TaskWriteChecksParams{UserID: user.ID, TaskID: &params.ID,
			ContractorID: app.PtrIf(body.ContractorID.Get())}, "task"); err != nil {
			return nil, err
		}
		return nil, apierror.NotFound("task")
	}
	if fkErr := taskFKError(err); fkErr != nil {
		return nil, fkErr
	}
	if err != nil {
		return nil, fmt.Errorf("error completing task: %w", err)
	}
	h.boards.Changed(ctx, row.ResidenceID)
	card := dbsqlc.TaskBoardRow{
		ID: row.ID, ResidenceID: row.ResidenceID, CreatedBy: row.CreatedBy, AssignedTo: row.AssignedTo,
		Title: row.Title, Description: row.Description, CategoryID: row.CategoryID, PriorityID: row.PriorityID,
		FrequencyID: row.FrequencyID, IntervalDays: row.IntervalDays, RecurrenceAnchor: row.RecurrenceAnchor,
		InProgress: row.InProgress, DueDate: row.DueDate, NextDueDate: row.NextDueDate,
		EstimatedCost: row.EstimatedCost, IsCancelled: row.IsCancelled, IsArchived: row.IsArchived,
		CompletionCount: row.CompletionCount, LastCompletedAt: row.LastCompletedAt, CreatedAt: row.CreatedAt,
		UpdatedAt: row.UpdatedAt, CategoryName: row.CategoryName, PriorityName: row.PriorityName,
		PriorityLevel: row.PriorityLevel, FrequencyName: row.FrequencyName,
		AssigneeFirstName: row.AssigneeFirstName, AssigneeLastName: row.AssigneeLastName,
		ContractorID: row.ContractorID, ContractorName: row.ContractorName, BoardColumn: row.BoardColumn,
	}
	completedBy := user.ID
	return &oas.CompletionResult{
		Completion: oas.Completion{
			ID: row.CompletionID, TaskID: row.ID, CompletedBy: app.NilInt64(&completedBy),
			CompletedByName: completionName(&user.FirstName, &user.LastName), CompletedAt: row.CompletionCompletedAt.UTC(),
			Notes: body.Notes.Or(""), ActualCost: app.NilFloat64(app.PtrIf(body.ActualCost.Get())),
			Rating: app.NilInt32(app.PtrIf(body.Rating.Get())), ContractorID: app.NilInt64(row.CompletionContractorID),
			CreatedAt: row.CompletionCreatedAt.UTC(),
		},
		Task: app.TaskCard(&card),
	}, nil
}

// ListCompletions returns a task's completions, newest first.
func (h *Handler) ListCompletions(ctx context.Context, params oas.ListCompletionsParams) (oas.ListCompletionsRes, error) {
	user := app.PrincipalFrom(ctx).User
	rows, err := h.q.CompletionList(ctx, h.db, &dbsqlc.CompletionListParams{TaskID: params.ID, UserID: user.ID})
	if err != nil {
		return nil, fmt.Errorf("error listing completions: %w", err)
	}
	if len(rows) == 0 {
		// Empty is either a task without completions or one the caller cannot see.
		if _, err := h.GetTask(ctx, oas.GetTaskParams{ID: params.ID}); err != nil {
			return nil, err
		}
	}
	out := make(oas.ListCompletionsOKApplicationJSON, len(rows))
	for i, r := range rows {
		out[i] = oas.Completion{
			ID: r.ID, TaskID: r.TaskID, CompletedBy: app.NilInt64(r.CompletedBy),
			CompletedByName: completionName(r.CompletedByFirstName, r.CompletedByLastName),
			CompletedAt:     r.CompletedAt.UTC(), Notes: r.Notes, ActualCost: app.NilFloat64(r.ActualCost),
			Rating: app.NilInt32(r.Rating), ContractorID: app.NilInt64(r.ContractorID), CreatedAt: r.CreatedAt.UTC(),
		}
	}
	return &out, nil
}

// DeleteCompletion deletes a completion; the only completion of a one-time task reopens it.
func (h *Handler) DeleteCompletion(ctx context.Context, params oas.DeleteCompletionParams) (oas.DeleteCompletionRes, error) {
	user := app.PrincipalFrom(ctx).User
	// Two statements in a transaction: lock the task, then delete and recompute. One statement would compute
	// the task's last completion from a snapshot taken before a concurrent delete committed.
	var n, residenceID int64
	err := pgx.BeginFunc(ctx, h.db, func(tx pgx.Tx) error {
		locked, err := h.q.CompletionLockTask(ctx, tx, &dbsqlc.CompletionLockTaskParams{ID: params.ID, UserID: user.ID})
		err = dberr.Interpret(err)
		if errors.Is(err, dberr.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		residenceID = locked.ResidenceID
		n, err = h.q.CompletionDelete(ctx, tx, &dbsqlc.CompletionDeleteParams{ID: params.ID, UserID: user.ID})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("error deleting completion: %w", err)
	}
	if n == 0 {
		role, err := h.q.CompletionAccessRole(ctx, h.db, &dbsqlc.CompletionAccessRoleParams{ID: params.ID, UserID: user.ID})
		if err != nil {
			return nil, fmt.Errorf("error checking completion access: %w", err)
		}
		if role == "viewer" {
			return nil, app.ErrForbidden
		}
		return nil, apierror.NotFound("completion")
	}
	h.boards.Changed(ctx, residenceID)
	return &oas.DeleteCompletionNoContent{}, nil
}
