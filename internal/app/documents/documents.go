package documents

import (
	"context"
	"errors"
	"fmt"
	"strings"

	ht "github.com/ogen-go/ogen/http"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/txscope"
)

// documentResponse maps a row to the API type.
func documentResponse(d *dbsqlc.Document) oas.Document {
	out := oas.Document{
		ID: d.ID, ResidenceID: d.ResidenceID, CreatedBy: app.NilInt64(d.CreatedBy), Title: d.Title,
		Description: d.Description, Type: oas.DocumentType(d.DocType), Vendor: d.Vendor, ModelNumber: d.ModelNumber,
		SerialNumber: d.SerialNumber, PurchaseDate: app.NilDate(d.PurchaseDate), PurchasePrice: app.NilFloat64(d.PurchasePrice),
		ExpiryDate: app.NilDate(d.ExpiryDate), WarrantyProvider: d.WarrantyProvider, ClaimPhone: d.ClaimPhone,
		ClaimURL: d.ClaimUrl, TaskID: app.NilInt64(d.TaskID), File: oas.NilDocumentFile{Null: true},
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
	if d.StorageKey != nil {
		out.File = oas.NewNilDocumentFile(oas.DocumentFile{FileName: app.OrZero(d.FileName),
			ContentType: oas.DocumentFileContentType(app.OrZero(d.ContentType)), SizeBytes: app.OrZero(d.SizeBytes), SHA256: app.OrZero(d.Sha256)})
	}
	return out
}

// documentCreateParams validates a new document's metadata and turns it into the insert's parameters.
func documentCreateParams(userID int64, req *oas.DocumentCreate) (*dbsqlc.DocumentCreateParams, error) {
	f := app.FieldErrors{}
	p := &dbsqlc.DocumentCreateParams{
		UserID: userID, ResidenceID: req.ResidenceID, Title: app.CheckRequiredName(f, "title", req.Title),
		Description: req.Description.Or(""), DocType: string(req.Type.Or(oas.DocumentCreateTypeGeneral)),
		Vendor: app.CheckName(f, "vendor", req.Vendor.Or("")), ModelNumber: app.CheckName(f, "model_number", req.ModelNumber.Or("")),
		SerialNumber: app.CheckName(f, "serial_number", req.SerialNumber.Or("")),
		PurchaseDate: app.PtrIf(req.PurchaseDate.Get()), PurchasePrice: app.PtrIf(req.PurchasePrice.Get()),
		ExpiryDate:       app.PtrIf(req.ExpiryDate.Get()),
		WarrantyProvider: app.CheckName(f, "warranty_provider", req.WarrantyProvider.Or("")),
		ClaimPhone:       app.CheckName(f, "claim_phone", req.ClaimPhone.Or("")),
		ClaimUrl:         app.CheckWebURL(f, "claim_url", req.ClaimURL.Or("")),
		TaskID:           app.PtrIf(req.TaskID.Get()),
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// uploadMetadata is the metadata of a multipart create, as the JSON create carries it.
func uploadMetadata(m *oas.DocumentCreateUploadMultipart) *oas.DocumentCreate {
	return &oas.DocumentCreate{
		ResidenceID: m.ResidenceID, Title: m.Title, Description: m.Description,
		Type: oas.OptDocumentCreateType{Value: oas.DocumentCreateType(m.Type.Value), Set: m.Type.Set}, Vendor: m.Vendor,
		ModelNumber: m.ModelNumber, SerialNumber: m.SerialNumber, PurchaseDate: m.PurchaseDate,
		PurchasePrice: m.PurchasePrice, ExpiryDate: m.ExpiryDate, WarrantyProvider: m.WarrantyProvider,
		ClaimPhone: m.ClaimPhone, ClaimURL: m.ClaimURL, TaskID: m.TaskID,
	}
}

var errTaskNotInResidence = apierror.Validation(map[string]string{"task_id": "is not a task of this residence"})

// documentRefusal explains a document write that changed nothing: 404 when the caller cannot see the
// document, 403 when they only view its residence, nil when their role allows the write (so another check
// failed).
func (h *Handler) documentRefusal(ctx context.Context, userID, id int64) error {
	role, err := h.q.DocumentAccessRole(ctx, h.db, &dbsqlc.DocumentAccessRoleParams{ID: id, UserID: userID})
	if err != nil {
		return fmt.Errorf("error checking document access: %w", err)
	}
	switch role {
	case "":
		return apierror.NotFound("document")
	case "viewer":
		return app.ErrForbidden
	}
	return nil
}

// residenceWriteRefusal is documentRefusal for a residence: why the caller may not add a document to it.
func (h *Handler) residenceWriteRefusal(ctx context.Context, userID, residenceID int64) error {
	r, err := h.q.ResidenceMemberRoles(ctx, h.db, &dbsqlc.ResidenceMemberRolesParams{
		ResidenceID: residenceID, UserID: userID})
	if err != nil {
		return fmt.Errorf("error reading roles: %w", err)
	}
	switch r.CallerRole {
	case "":
		return apierror.NotFound("residence")
	case "viewer":
		return app.ErrForbidden
	}
	return nil
}

// ListDocuments returns the documents of every residence the caller can access, newest first, in ONE
// statement whatever the caches hold: membership is the statement's join (a residence the caller cannot see
// filters to nothing). When the token was not cached, the statement is keyed by the token and goes out in
// the same round trip as the authentication (app.ReadAuthenticated).
func (h *Handler) ListDocuments(ctx context.Context, params oas.ListDocumentsParams) (oas.ListDocumentsRes, error) {
	var docType, pattern *string
	if t, ok := params.Type.Get(); ok {
		s := string(t)
		docType = &s
	}
	if q := strings.TrimSpace(params.Q.Or("")); q != "" {
		p := "%" + escapeLike(q) + "%"
		pattern = &p
	}
	rid := app.PtrIf(params.ResidenceID.Get())
	var rows []*dbsqlc.Document
	var err error
	if app.AuthenticationPending(ctx) {
		_, err = app.ReadAuthenticated(ctx, func(db dbsqlc.DBTX, token []byte) (err error) {
			rows, err = h.q.DocumentListByToken(ctx, db, &dbsqlc.DocumentListByTokenParams{TokenHash: token,
				ResidenceID: rid, DocType: docType, Pattern: pattern})
			return err
		})
	} else {
		rows, err = h.q.DocumentList(ctx, h.db, &dbsqlc.DocumentListParams{UserID: app.PrincipalFrom(ctx).User.ID,
			ResidenceID: rid, DocType: docType, Pattern: pattern})
	}
	if err != nil {
		return nil, fmt.Errorf("error listing documents: %w", err)
	}
	out := make(oas.ListDocumentsOKApplicationJSON, len(rows))
	for i, r := range rows {
		out[i] = documentResponse(r)
	}
	return &out, nil
}

// likeEscaper escapes the LIKE wildcards (and the escape character itself) in a search term.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func escapeLike(s string) string { return likeEscaper.Replace(s) }

// ListWarranties returns the warranty documents with an expiry date, soonest first, with the days left in
// each residence's timezone.
func (h *Handler) ListWarranties(ctx context.Context, params oas.ListWarrantiesParams) (oas.ListWarrantiesRes, error) {
	user := app.PrincipalFrom(ctx).User
	ids, err := h.access.ResidenceIDs(ctx, user.ID)
	if err != nil {
		return nil, err
	}
	out := oas.ListWarrantiesOKApplicationJSON{}
	if len(ids) == 0 {
		return &out, nil
	}
	rows, err := h.q.DocumentWarranties(ctx, h.db, &dbsqlc.DocumentWarrantiesParams{
		UserID: user.ID, IDs: ids, WithinDays: app.PtrIf(params.ExpiringWithinDays.Get())})
	if err != nil {
		return nil, fmt.Errorf("error listing warranties: %w", err)
	}
	for _, r := range rows {
		out = append(out, oas.Warranty{Document: documentResponse(&r.Document), DaysRemaining: r.DaysRemaining,
			Expired: r.DaysRemaining < 0})
	}
	return &out, nil
}

// GetDocument returns one document the caller can see.
func (h *Handler) GetDocument(ctx context.Context, params oas.GetDocumentParams) (oas.GetDocumentRes, error) {
	d, err := h.getDocument(ctx, app.PrincipalFrom(ctx).User.ID, params.ID)
	if err != nil {
		return nil, err
	}
	out := documentResponse(d)
	return &out, nil
}

// getDocument loads a document the user can see, or returns 404.
func (h *Handler) getDocument(ctx context.Context, userID, id int64) (*dbsqlc.Document, error) {
	d, err := h.q.DocumentGet(ctx, h.db, &dbsqlc.DocumentGetParams{ID: id, UserID: userID})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, apierror.NotFound("document")
	}
	if err != nil {
		return nil, fmt.Errorf("error loading document: %w", err)
	}
	return d, nil
}

// CreateDocument adds a document (owners and editors): as JSON without a file, as multipart with one.
func (h *Handler) CreateDocument(ctx context.Context, req oas.CreateDocumentReq, _ oas.CreateDocumentParams) (oas.CreateDocumentRes, error) {
	switch req := req.(type) {
	case *oas.DocumentCreate:
		return h.createDocument(ctx, req, nil)
	case *oas.DocumentCreateUploadMultipart:
		return h.createDocument(ctx, uploadMetadata(req), &req.File)
	}
	return nil, fmt.Errorf("error creating document: unexpected request type %T", req)
}

// createDocument validates the metadata, stores the file (if any), then inserts the row in one statement that
// checks the caller's role and the linked task. When the insert does not happen, the file is deleted again
// before the error is returned, so a refused or failed insert leaves no file behind.
func (h *Handler) createDocument(ctx context.Context, req *oas.DocumentCreate, file *ht.MultipartFile) (*oas.Document, error) {
	user := app.PrincipalFrom(ctx).User
	p, err := documentCreateParams(user.ID, req)
	if err != nil {
		return nil, err
	}
	if file != nil {
		// Refuse strangers and viewers before storing anything; the insert checks again.
		if err := h.residenceWriteRefusal(ctx, user.ID, req.ResidenceID); err != nil {
			return nil, err
		}
		stored, err := h.storeFile(ctx, file)
		if err != nil {
			return nil, err
		}
		p.StorageKey, p.FileName, p.ContentType = &stored.key, &stored.name, &stored.contentType
		p.SizeBytes, p.Sha256 = &stored.size, &stored.sha256
	}
	row, err := h.q.DocumentCreate(ctx, h.db, p)
	if err != nil && p.StorageKey != nil {
		app.DeleteFiles(ctx, h.files, h.log, *p.StorageKey)
	}
	err = dberr.Interpret(err)
	switch {
	case errors.Is(err, dberr.ErrNotFound):
		if err := h.residenceWriteRefusal(ctx, user.ID, req.ResidenceID); err != nil {
			return nil, err
		}
		var size int64
		if p.SizeBytes != nil {
			size = *p.SizeBytes
		}
		if err := app.LimitRefusal(ctx, h.db, user.ID, &req.ResidenceID, app.LimitDocuments, size); err != nil {
			return nil, err
		}
		return nil, errTaskNotInResidence
	case dberr.IsForeignKey(err, dberr.DocumentsResidenceIDFkey):
		return nil, apierror.NotFound("residence") // deleted while the document was being created
	case dberr.IsForeignKey(err, dberr.DocumentsTaskIDFkey):
		return nil, errTaskNotInResidence // deleted while the document was being created
	case err != nil:
		return nil, fmt.Errorf("error creating document: %w", err)
	}
	if key := p.StorageKey; key != nil {
		// In a request's transaction (an Idempotency-Key) the row may still roll back: the file goes with it.
		txscope.OnRollback(ctx, func(ctx context.Context) { app.DeleteFiles(ctx, h.files, h.log, *key) })
	}
	out := documentResponse(row)
	return &out, nil
}

// UpdateDocument changes the metadata fields present (owners and editors).
func (h *Handler) UpdateDocument(ctx context.Context, req *oas.DocumentUpdate, params oas.UpdateDocumentParams) (oas.UpdateDocumentRes, error) {
	user := app.PrincipalFrom(ctx).User
	f := app.FieldErrors{}
	p := &dbsqlc.DocumentUpdateParams{ID: params.ID, UserID: user.ID, Description: app.PtrIf(req.Description.Get())}
	if v, ok := req.Title.Get(); ok {
		v = app.CheckRequiredName(f, "title", v)
		p.Title = &v
	}
	line := func(field string, o oas.OptString) *string {
		v, ok := o.Get()
		if !ok {
			return nil
		}
		v = app.CheckName(f, field, v)
		return &v
	}
	p.Vendor = line("vendor", req.Vendor)
	p.ModelNumber = line("model_number", req.ModelNumber)
	p.SerialNumber = line("serial_number", req.SerialNumber)
	p.WarrantyProvider = line("warranty_provider", req.WarrantyProvider)
	p.ClaimPhone = line("claim_phone", req.ClaimPhone)
	if v, ok := req.ClaimURL.Get(); ok {
		v = app.CheckWebURL(f, "claim_url", v)
		p.ClaimUrl = &v
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if v, ok := req.Type.Get(); ok {
		s := string(v)
		p.DocType = &s
	}
	p.SetPurchaseDate, p.PurchaseDate = app.PatchField(req.PurchaseDate.Value, req.PurchaseDate.Set, req.PurchaseDate.Null)
	p.SetPurchasePrice, p.PurchasePrice = app.PatchField(req.PurchasePrice.Value, req.PurchasePrice.Set, req.PurchasePrice.Null)
	p.SetExpiryDate, p.ExpiryDate = app.PatchField(req.ExpiryDate.Value, req.ExpiryDate.Set, req.ExpiryDate.Null)
	p.SetTaskID, p.TaskID = app.PatchField(req.TaskID.Value, req.TaskID.Set, req.TaskID.Null)

	row, err := h.q.DocumentUpdate(ctx, h.db, p)
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		if err := h.documentRefusal(ctx, user.ID, params.ID); err != nil {
			return nil, err
		}
		if p.TaskID != nil {
			return nil, errTaskNotInResidence
		}
		return nil, apierror.NotFound("document") // deleted meanwhile
	}
	if dberr.IsForeignKey(err, dberr.DocumentsTaskIDFkey) {
		return nil, errTaskNotInResidence
	}
	if err != nil {
		return nil, fmt.Errorf("error updating document: %w", err)
	}
	out := documentResponse(row)
	return &out, nil
}

// DeleteDocument deletes a document (owners and editors), then its file once the delete has committed.
func (h *Handler) DeleteDocument(ctx context.Context, params oas.DeleteDocumentParams) (oas.DeleteDocumentRes, error) {
	user := app.PrincipalFrom(ctx).User
	key, err := h.q.DocumentDelete(ctx, h.db, &dbsqlc.DocumentDeleteParams{ID: params.ID, UserID: user.ID})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		if err := h.documentRefusal(ctx, user.ID, params.ID); err != nil {
			return nil, err
		}
		return nil, apierror.NotFound("document") // deleted meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("error deleting document: %w", err)
	}
	if key != nil {
		app.DeleteFiles(ctx, h.files, h.log, *key)
	}
	return &oas.DeleteDocumentNoContent{}, nil
}
