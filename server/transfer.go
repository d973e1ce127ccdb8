package server

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/geo"
)

// contentTypeGeoPackage is the media type of a GeoPackage file (OGC 12-128r18).
const contentTypeGeoPackage = "application/geopackage+sqlite3"

// errExportNeedsStore answers format=gpkg on a server without a store.
var errExportNeedsStore = &problemError{http.StatusBadRequest, problemInvalidParameter, "Invalid parameter",
	"format: gpkg exports the store, and this server serves a dataset directory; use geojson or csv, or start it with --db"}

// csvColumns are the property columns of each collection's CSV export, in
// order, between the leading id and the trailing wkt geometry. A value
// that is an array or object in the GeoJSON (sources, actors, circle) is
// its compact JSON.
var csvColumns = map[string][]string{
	collectionZones: {"name", "actor", "status", "valid_from", "valid_to", "circle", "approximate", "uncertainty_m", "sources", "notes"},
	collectionIncidents: {"date", "date_end", "date_precision", "type", "sub_type", "actors", "precision_m", "place", "governorate",
		"fatalities_low", "fatalities_best", "fatalities_high", "fatalities_civilians", "description", "sources", "status", "origin", "origin_id",
		"publish", "publication"},
	collectionSites: {"name", "name_ar", "alt_names", "kind", "governorate", "sources", "notes"},
}

// handleImport reads the body with the importer of "format" and stores
// every record in one transaction: 200 with the import report, or, when
// any row is rejected (and partial=true is not given) or the file is
// refused, 422 with the report and nothing stored.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) error {
	req, err := parseImport(r.URL.Query(), r.Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	rep, err := s.transfers.Import(r.Context(), req, r.Body, author(r))
	if err != nil {
		return err
	}
	if !rep.Stored {
		return &importRejectedError{report: rep}
	}
	s.postWrite(w)
	return writeJSON(w, contentTypeJSON, rep)
}

// handleExport answers a consistent snapshot of the data as a download:
// the whole store as a GeoPackage (history, audit log and token hashes
// included, so admin only), or the current zones, incidents and sites as
// GeoJSON, or one collection as CSV, from the request's index snapshot.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) error {
	req, err := parseExport(r.URL.Query())
	if err != nil {
		return err
	}
	snap := s.snapshot(r)
	name := "frontline-" + s.datasetVersion(snap)
	switch req.format {
	case "gpkg":
		if err := s.authorizeBackup(r); err != nil {
			return err
		}
		setDownload(w, contentTypeGeoPackage, name+".gpkg")
		return s.transfers.Backup(r.Context(), w)
	case "csv":
		setDownload(w, contentTypeCSV+"; charset=utf-8", name+"-"+req.collections[0]+".csv")
		return writeCSV(w, snap, req.collections[0])
	}
	recs, err := exportRecords(snap, req.collections)
	if err != nil {
		return err
	}
	setDownload(w, contentTypeGeoJSON, name+".geojson")
	res := recs.page()
	return streamItems(w, res, collectionHeader{NumberMatched: res.n, NumberReturned: res.n, DatasetVersion: s.datasetVersion(snap)})
}

// authorizeBackup checks that the server has a store to back up and that
// the request's token is an admin's.
func (s *Server) authorizeBackup(r *http.Request) error {
	if s.histories == nil {
		return errExportNeedsStore
	}
	p, _ := r.Context().Value(principalKey{}).(*principal)
	return authorize(p, catalog.RoleAdmin, true)
}

// handleAudit answers the most recent entries of the audit log, newest
// first (admin).
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := parseAudit(r.URL.Query())
	if err != nil {
		return err
	}
	entries, err := s.histories.Audit(r.Context(), f)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []catalog.AuditEntry{}
	}
	return writeJSON(w, contentTypeJSON, map[string]any{"entries": entries})
}

// setDownload sets the headers of a file download.
func setDownload(w http.ResponseWriter, contentType, filename string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
}

// records are the features of an export, each collection ordered by ID.
type records struct {
	zones     []*geo.Zone
	incidents []*geo.Incident
	sites     []*geo.Site
}

// exportRecords returns every feature of collections in snap.
func exportRecords(snap *geo.Snapshot, collections []string) (records, error) {
	var recs records
	for _, c := range collections {
		var err error
		switch c {
		case collectionZones:
			var p geo.ZonePage
			p, err = snap.Zones(geo.ZoneQuery{})
			recs.zones = p.Zones
		case collectionIncidents:
			var p geo.IncidentPage
			p, err = snap.Incidents(geo.IncidentQuery{})
			recs.incidents = p.Incidents
		case collectionSites:
			var p geo.SitePage
			p, err = snap.Sites(geo.SiteQuery{})
			recs.sites = p.Sites
		}
		if err != nil {
			return records{}, err
		}
	}
	return recs, nil
}

// page is recs as one itemsPage: zones, then incidents, then sites.
func (recs records) page() itemsPage {
	nz, ni := len(recs.zones), len(recs.zones)+len(recs.incidents)
	return itemsPage{n: ni + len(recs.sites), write: func(fw *featureWriter, i int) error {
		switch {
		case i < nz:
			return fw.Write(recs.zones[i])
		case i < ni:
			return fw.Write(recs.incidents[i-nz])
		}
		return fw.Write(recs.sites[i-ni])
	}}
}

// features returns recs' features in page order.
func (recs records) features() []json.Marshaler {
	out := make([]json.Marshaler, 0, len(recs.zones)+len(recs.incidents)+len(recs.sites))
	for _, z := range recs.zones {
		out = append(out, z)
	}
	for _, in := range recs.incidents {
		out = append(out, in)
	}
	for _, st := range recs.sites {
		out = append(out, st)
	}
	return out
}

// writeCSV writes every feature of collection in snap as CSV: a header
// row, then id, csvColumns' properties and the geometry as WKT.
func writeCSV(w io.Writer, snap *geo.Snapshot, collection string) error {
	recs, err := exportRecords(snap, []string{collection})
	if err != nil {
		return err
	}
	cols := csvColumns[collection]
	cw := csv.NewWriter(w)
	if err := cw.Write(append(append([]string{"id"}, cols...), "wkt")); err != nil {
		return err
	}
	for _, f := range recs.features() {
		b, err := f.MarshalJSON()
		if err != nil {
			return err
		}
		row, err := csvRow(b, cols)
		if err != nil {
			return err
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvRow turns one GeoJSON Feature into a CSV row of its id, the
// properties cols and its geometry as WKT.
func csvRow(feature []byte, cols []string) ([]string, error) {
	f, err := geojson.UnmarshalFeature(feature)
	if err != nil {
		return nil, err
	}
	row := make([]string, 0, len(cols)+2)
	id, _ := f.ID.(string)
	row = append(row, neutralizeFormula(id))
	for _, c := range cols {
		row = append(row, csvValue(f.Properties[c]))
	}
	return append(row, wkt.MarshalString(f.Geometry)), nil
}

// csvValue formats one property for CSV: strings as they are (but for
// neutralizeFormula), numbers without exponent where possible, null as
// empty, anything else as compact JSON (which starts with [ or {).
func csvValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return neutralizeFormula(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	b, _ := json.Marshal(v) // a decoded JSON value always marshals
	return string(b)
}

// neutralizeFormula prefixes with an apostrophe a text cell that a
// spreadsheet would run as a formula: one that starts with =, +, -, @, a
// tab or a carriage return (OWASP, "CSV Injection"). The page's own CSV
// export (web/static/js/export.js) does the same. Numbers are not text
// cells and keep their sign.
func neutralizeFormula(s string) string {
	if s != "" && strings.IndexByte("=+-@\t\r", s[0]) >= 0 {
		return "'" + s
	}
	return s
}
