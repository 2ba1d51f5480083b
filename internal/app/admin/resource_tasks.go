package admin

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// taskState is a task as the audit log records it.
type taskState struct {
	ResidenceID int64  `json:"residence_id"`
	Title       string `json:"title"`
	InProgress  bool   `json:"in_progress"`
}

func taskItem(t *dbsqlc.Task, residenceName string) adminoas.TaskItem {
	return adminoas.TaskItem{ID: t.ID, ResidenceID: t.ResidenceID, ResidenceName: residenceName, Title: t.Title,
		InProgress: t.InProgress, IsCancelled: t.IsCancelled, IsArchived: t.IsArchived,
		CompletionCount: t.CompletionCount, CreatedBy: nilInt64Of(t.CreatedBy), AssignedTo: nilInt64Of(t.AssignedTo),
		DueDate: nilDateOf(t.DueDate), CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

// AdminListTasks lists tasks newest first, filtered by title (q), residence and user (creator or assignee).
func (h *Handler) AdminListTasks(ctx context.Context, params adminoas.AdminListTasksParams) (adminoas.AdminListTasksRes, error) {
	pg, err := parseIDPage(params.Cursor, params.Limit)
	if err != nil {
		return nil, err
	}
	p := &dbsqlc.TaskAdminListParams{BeforeID: pg.beforeID, MaxRows: pg.rows(), Pattern: likePattern(params.Q),
		ResidenceID: optID(params.ResidenceID), UserID: optID(params.UserID)}
	rows, err := h.q.TaskAdminList(ctx, h.db, p)
	if err != nil {
		return nil, fmt.Errorf("error listing tasks: %w", err)
	}
	total, err := pg.total(len(rows), func() int64 { return rows[0].Total }, func() (int64, error) {
		p.BeforeID, p.MaxRows = nil, 1
		first, err := h.q.TaskAdminList(ctx, h.db, p)
		if err != nil || len(first) == 0 {
			return 0, err
		}
		return first[0].Total, nil
	})
	if err != nil {
		return nil, fmt.Errorf("error counting tasks: %w", err)
	}
	n, next := pg.next(len(rows), func(i int) int64 { return rows[i].Task.ID })
	out := &adminoas.TaskPage{Items: make([]adminoas.TaskItem, 0, n), Total: total, NextCursor: next}
	for _, r := range rows[:n] {
		out.Items = append(out.Items, taskItem(&r.Task, r.ResidenceName))
	}
	return out, nil
}

// AdminGetTask shows one task.
func (h *Handler) AdminGetTask(ctx context.Context, params adminoas.AdminGetTaskParams) (adminoas.AdminGetTaskRes, error) {
	t, err := h.task(ctx, h.db, params.ID)
	if err != nil {
		return nil, err
	}
	out := taskItem(&t.Task, t.ResidenceName)
	return &out, nil
}

// task reads the task id with db; no such task is a 404.
func (h *Handler) task(ctx context.Context, db dbsqlc.DBTX, id int64) (*dbsqlc.TaskAdminGetRow, error) {
	t, err := h.q.TaskAdminGet(ctx, db, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apierror.NotFound("task")
	}
	if err != nil {
		return nil, fmt.Errorf("error reading a task: %w", err)
	}
	return t, nil
}

// AdminUpdateTask sets in_progress as the app's start/stop actions do, with its audit row, then bumps the
// residence's board version as every app task edit does, so the change shows on the board's next read.
func (h *Handler) AdminUpdateTask(ctx context.Context, req *adminoas.TaskItemUpdate, params adminoas.AdminUpdateTaskParams) (adminoas.AdminUpdateTaskRes, error) {
	var after *dbsqlc.TaskAdminGetRow
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.task(ctx, tx, params.ID)
		if err != nil {
			return nil, err
		}
		if _, err := h.q.TaskAdminSetInProgress(ctx, tx, &dbsqlc.TaskAdminSetInProgressParams{
			ID: params.ID, InProgress: req.InProgress}); errors.Is(err, pgx.ErrNoRows) {
			return nil, apierror.NotFound("task")
		} else if err != nil {
			return nil, fmt.Errorf("error updating a task: %w", err)
		}
		if after, err = h.task(ctx, tx, params.ID); err != nil {
			return nil, err
		}
		return []Change{{Action: "task.update", TargetType: "task", TargetID: ID(params.ID),
			Before: taskState{ResidenceID: before.Task.ResidenceID, Title: before.Task.Title, InProgress: before.Task.InProgress},
			After:  taskState{ResidenceID: after.Task.ResidenceID, Title: after.Task.Title, InProgress: after.Task.InProgress}}}, nil
	})
	if err != nil {
		return nil, err
	}
	h.boards.Changed(ctx, after.Task.ResidenceID)
	out := taskItem(&after.Task, after.ResidenceName)
	return &out, nil
}

// AdminDeleteTask deletes a task and its completions, with its audit row, then bumps its residence's board.
func (h *Handler) AdminDeleteTask(ctx context.Context, params adminoas.AdminDeleteTaskParams) (adminoas.AdminDeleteTaskRes, error) {
	var residenceID int64
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		before, err := h.task(ctx, tx, params.ID)
		if err != nil {
			return nil, err
		}
		residenceID, err = h.q.TaskAdminDelete(ctx, tx, params.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, apierror.NotFound("task")
		}
		if err != nil {
			return nil, fmt.Errorf("error deleting a task: %w", err)
		}
		return []Change{{Action: "task.delete", TargetType: "task", TargetID: ID(params.ID),
			Before: taskState{ResidenceID: before.Task.ResidenceID, Title: before.Task.Title, InProgress: before.Task.InProgress}}}, nil
	})
	if err != nil {
		return nil, err
	}
	h.boards.Changed(ctx, residenceID)
	return &adminoas.AdminDeleteTaskNoContent{}, nil
}
