package contractors

import "github.com/homekeep/homekeep/internal/gen/dbsqlc"

// updatedCard is the card columns of an update's row, which also names the residences whose boards show
// the contractor (for their version bump) and so cannot be converted.
func updatedCard(r *dbsqlc.ContractorUpdateRow) *dbsqlc.ContractorGetRow {
	return &dbsqlc.ContractorGetRow{
		ID: r.ID, ResidenceID: r.ResidenceID, CreatedBy: r.CreatedBy, Name: r.Name, Company: r.Company,
		Phone: r.Phone, Email: r.Email, Website: r.Website, Address: r.Address, Notes: r.Notes, Rating: r.Rating,
		IsFavorite: r.IsFavorite, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Specialties: r.Specialties,
	}
}
