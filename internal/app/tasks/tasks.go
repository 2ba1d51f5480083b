package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// taskRefusal explains a task write that changed nothing: 404 when the caller cannot see the task, 403
// when they only view its residence.
func (h *Handler) taskRefusal(ctx context.Context, userID, taskID int64) error {
	role, err := h.q.TaskAccessRole(ctx, h.db, &dbsqlc.TaskAccessRoleParams{TaskID: taskID, UserID: userID})
	if err != nil {
		return fmt.Errorf("error checking task access: %w", err)
	}
	switch role {
	case "":
		return apierror.NotFound("task")
	case "viewer":
		return app.ErrForbidden
	}
	return nil
}

// taskWriteRefusal explains a task create, update or completion that wrote nothing: 404 when the caller
// cannot see the residence (or task), 403 when they only view it, else 400 naming each field whose check
// failed. It returns nil when every check passes now (the write lost a race, e.g. with a delete).
func (h *Handler) taskWriteRefusal(ctx context.Context, p *dbsqlc.TaskWriteChecksParams, notFound string) error {
	c, err := h.q.TaskWriteChecks(ctx, h.db, p)
	if err != nil {
		return fmt.Errorf("error checking task write: %w", err)
	}
	switch c.Role {
	case "":
		return apierror.NotFound(notFound)
	case "viewer":
		return app.ErrForbidden
	}
	f := app.FieldErrors{}
	if !c.AssigneeOk {
		f.Add("assigned_to", "is not a member of this residence")
	}
	if !c.ContractorOk {
		f.Add("contractor_id", msgContractorNotVisible)
	}
	return f.Err()
}

// msgContractorNotVisible explains a contractor_id that names no contractor usable in the residence.
const msgContractorNotVisible = "is not a contractor of this residence or one of your personal contractors"

// taskFKError names the field whose lookup id does not exist (or whose contractor was deleted meanwhile).
func taskFKError(err error) error {
	for constraint, field := range map[dberr.Constraint]string{
		dberr.TasksCategoryIDFkey: "category_id", dberr.TasksPriorityIDFkey: "priority_id",
		dberr.TasksFrequencyIDFkey: "frequency_id", dberr.TasksContractorIDFkey: "contractor_id",
		dberr.TaskCompletionsContractorIDFkey: "contractor_id",
	} {
		if dberr.IsForeignKey(err, constraint) {
			return apierror.Validation(map[string]string{field: "does not exist"})
		}
	}
	return nil
}

// GetTask returns one task the caller can see.
func (h *Handler) GetTask(ctx context.Context, params oas.GetTaskParams) (oas.GetTaskRes, error) {
	user := app.PrincipalFrom(ctx).User
	row, err := h.q.TaskGet(ctx, h.db, &dbsqlc.TaskGetParams{ID: params.ID, UserID: user.ID, ThresholdDays: user.DaysThreshold})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, apierror.NotFound("task")
	}
	if err != nil {
		return nil, fmt.Errorf("error loading task: %w", err)
	}
	t := app.TaskCard((*dbsqlc.TaskBoardRow)(row))
	return &t, nil
}

// CreateTask creates a task; a template fills the fields the request leaves out.
func (h *Handler) CreateTask(ctx context.Context, req *oas.TaskCreate, _ oas.CreateTaskParams) (oas.CreateTaskRes, error) {
	user := app.PrincipalFrom(ctx).User
	p := &dbsqlc.TaskCreateParams{
		UserID: user.ID, ThresholdDays: user.DaysThreshold, ResidenceID: req.ResidenceID, AssignedTo: app.PtrIf(req.AssignedTo.Get()),
		Title: strings.TrimSpace(req.Title.Or("")), Description: req.Description.Or(""),
		ContractorID: app.PtrIf(req.ContractorID.Get()), CategoryID: app.PtrIf(req.CategoryID.Get()),
		PriorityID: app.PtrIf(req.PriorityID.Get()), FrequencyID: app.PtrIf(req.FrequencyID.Get()),
		DueDate:          app.PtrIf(req.DueDate.Get()),
		EstimatedCost:    app.PtrIf(req.EstimatedCost.Get()),
		RecurrenceAnchor: string(req.RecurrenceAnchor.Or(oas.TaskCreateRecurrenceAnchorCompletion)),
	}
	if id, ok := req.TemplateID.Get(); ok {
		tpl, err := h.q.TaskTemplateGet(ctx, h.db, id)
		err = dberr.Interpret(err)
		if errors.Is(err, dberr.ErrNotFound) {
			return nil, apierror.Validation(map[string]string{"template_id": "does not exist"})
		}
		if err != nil {
			return nil, fmt.Errorf("error loading template: %w", err)
		}
		if p.Title == "" {
			p.Title = tpl.Title
		}
		if !req.Description.IsSet() {
			p.Description = tpl.Description
		}
		if p.CategoryID == nil {
			p.CategoryID = tpl.CategoryID
		}
		if p.FrequencyID == nil {
			p.FrequencyID = tpl.FrequencyID
		}
	}
	f := app.FieldErrors{}
	p.Title = app.CheckRequiredName(f, "title", p.Title)
	if err := f.Err(); err != nil {
		return nil, err
	}
	row, err := h.q.TaskCreate(ctx, h.db, p)
	err = dberr.Interpret(err)
	if dberr.IsForeignKey(err, dberr.TasksResidenceIDFkey) {
		return nil, apierror.NotFound("residence") // deleted while the task was being created
	}
	if errors.Is(err, dberr.ErrNotFound) {
		if err := h.taskWriteRefusal(ctx, &dbsqlc.TaskWriteChecksParams{UserID: user.ID, ResidenceID: &req.ResidenceID,
			AssignedTo: p.AssignedTo, ContractorID: p.ContractorID}, "residence"); err != nil {
			return nil, err
		}
		if err := app.LimitRefusal(ctx, h.db, user.ID, &req.ResidenceID, app.LimitTasks, 0); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("error creating task: refused without a reason")
	}
	if fkErr := taskFKError(err); fkErr != nil {
		return nil, fkErr
	}
	if err != nil {
		return nil, fmt.Errorf("error creating task: %w", err)
	}
	h.boards.Changed(ctx, row.ResidenceID)
	t := app.TaskCard((*dbsqlc.TaskBoardRow)(row))
	return &t, nil
}

// UpdateTask changes the fields present.
func (h *Handler) UpdateTask(ctx context.Context, req *oas.TaskUpdate, params oas.UpdateTaskParams) (oas.UpdateTaskRes, error) {
	user := app.PrincipalFrom(ctx).User
	f := app.FieldErrors{}
	p := &dbsqlc.TaskUpdateParams{ID: params.ID, UserID: user.ID, ThresholdDays: user.DaysThreshold,
		Description: app.PtrIf(req.Description.Get())}
	if v, ok := req.Title.Get(); ok {
		v = app.CheckRequiredName(f, "title", v)
		p.Title = &v
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if v, ok := req.RecurrenceAnchor.Get(); ok {
		s := string(v)
		p.RecurrenceAnchor = &s
	}
	p.SetAssignedTo, p.AssignedTo = app.PatchField(req.AssignedTo.Value, req.AssignedTo.Set, req.AssignedTo.Null)
	p.SetContractorID, p.ContractorID = app.PatchField(req.ContractorID.Value, req.ContractorID.Set, req.ContractorID.Null)
	p.SetCategoryID, p.CategoryID = app.PatchField(req.CategoryID.Value, req.CategoryID.Set, req.CategoryID.Null)
	p.SetPriorityID, p.PriorityID = app.PatchField(req.PriorityID.Value, req.PriorityID.Set, req.PriorityID.Null)
	p.SetFrequencyID, p.FrequencyID = app.PatchField(req.FrequencyID.Value, req.FrequencyID.Set, req.FrequencyID.Null)
	p.SetDueDate, p.DueDate = app.PatchField(req.DueDate.Value, req.DueDate.Set, req.DueDate.Null)
	p.SetEstimatedCost, p.EstimatedCost = app.PatchField(req.EstimatedCost.Value, req.EstimatedCost.Set, req.EstimatedCost.Null)

	row, err := h.q.TaskUpdate(ctx, h.db, p)
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		if err := h.taskWriteRefusal(ctx, &dbsqlc.TaskWriteChecksParams{UserID: user.ID, TaskID: &params.ID,
			AssignedTo: p.AssignedTo, ContractorID: p.ContractorID}, "task"); err != nil {
			return nil, err
		}
		return nil, apierror.NotFound("task") // deleted while it was being updated
	}
	if fkErr := taskFKError(err); fkErr != nil {
		return nil, fkErr
	}
	if err != nil {
		return nil, fmt.Errorf("error updating task: %w", err)
	}
	h.boards.Changed(ctx, row.ResidenceID)
	t := app.TaskCard((*dbsqlc.TaskBoardRow)(row))
	return &t, nil
}

// DeleteTask deletes a task and its completions.
func (h *Handler) DeleteTask(ctx context.Context, params oas.DeleteTaskParams) (oas.DeleteTaskRes, error) {
	user := app.PrincipalFrom(ctx).User
	residenceID, err := h.q.TaskDelete(ctx, h.db, &dbsqlc.TaskDeleteParams{ID: params.ID, UserID: user.ID})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, h.taskRefusal(ctx, user.ID, params.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("error deleting task: %w", err)
	}
	h.boards.Changed(ctx, residenceID)
	return &oas.DeleteTaskNoContent{}, nil
}

// setState applies one of the state actions.
func (h *Handler) setState(ctx context.Context, id int64, p dbsqlc.TaskSetStateParams) (*oas.Task, error) {
	user := app.PrincipalFrom(ctx).User
	p.ID, p.UserID, p.ThresholdDays = id, user.ID, user.DaysThreshold
	row, err := h.q.TaskSetState(ctx, h.db, &p)
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		if err := h.taskRefusal(ctx, user.ID, id); err != nil {
			return nil, err
		}
		return nil, apierror.NotFound("task")
	}
	if err != nil {
		return nil, fmt.Errorf("error changing task state: %w", err)
	}
	h.boards.Changed(ctx, row.ResidenceID)
	t := app.TaskCard((*dbsqlc.TaskBoardRow)(row))
	return &t, nil
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// StartTask marks a task in progress.
func (h *Handler) StartTask(ctx context.Context, params oas.StartTaskParams) (oas.StartTaskRes, error) {
	return h.setState(ctx, params.ID, dbsqlc.TaskSetStateParams{InProgress: yes()})
}

// StopTask marks a task not in progress.
func (h *Handler) StopTask(ctx context.Context, params oas.StopTaskParams) (oas.StopTaskRes, error) {
	return h.setState(ctx, params.ID, dbsqlc.TaskSetStateParams{InProgress: no()})
}

// CancelTask cancels a task.
func (h *Handler) CancelTask(ctx context.Context, params oas.CancelTaskParams) (oas.CancelTaskRes, error) {
	return h.setState(ctx, params.ID, dbsqlc.TaskSetStateParams{IsCancelled: yes()})
}

// UncancelTask restores a cancelled task.
func (h *Handler) UncancelTask(ctx context.Context, params oas.UncancelTaskParams) (oas.UncancelTaskRes, error) {
	return h.setState(ctx, params.ID, dbsqlc.TaskSetStateParams{IsCancelled: no()})
}

// ArchiveTask archives a task.
func (h *Handler) ArchiveTask(ctx context.Context, params oas.ArchiveTaskParams) (oas.ArchiveTaskRes, error) {
	return h.setState(ctx, params.ID, dbsqlc.TaskSetStateParams{IsArchived: yes()})
}

// UnarchiveTask restores an archived task.
func (h *Handler) UnarchiveTask(ctx context.Context, params oas.UnarchiveTaskParams) (oas.UnarchiveTaskRes, error) {
	return h.setState(ctx, params.ID, dbsqlc.TaskSetStateParams{IsArchived: no()})
}

// maxClockSkew is how far in the future a completion time may be (phones' clocks drift).
const maxClockSkew = 5 * time.Minute
