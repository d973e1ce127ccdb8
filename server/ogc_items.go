package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/frontline-maps/frontline/geo"
)

const (
	// flushEvery is how many features are streamed between flushes to the
	// client, about 1 MB of incidents: the client sees progress and the
	// server holds no more than that in buffers.
	flushEvery = 2000
	// streamWriteTimeout is how long one flush may take to reach a slow
	// client. Each flush extends the write deadline by it, so a long
	// response that keeps moving is not cut by the server's WriteTimeout
	// while a stalled client still is.
	streamWriteTimeout = 30 * time.Second
)

// handleItems answers a page of a collection's features as a GeoJSON
// FeatureCollection with numberMatched, numberReturned, timeStamp and
// paging links (OGC API – Features /req/core/fc-op).
func (s *Server) handleItems(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	snap, q, err := s.readState(r, c.id, true)
	if err != nil {
		return err
	}
	res, err := c.items(snap, q)
	if err != nil {
		return err
	}
	keep, err := parseProperties(q)
	if err != nil {
		return err
	}
	res.properties = keep
	ext, err := s.extentsOf(r, snap)
	if err != nil {
		return err
	}
	return streamItems(w, res, collectionHeader{
		NumberMatched:  res.matched,
		NumberReturned: res.n,
		TimeStamp:      ext.timeStamp(),
		DatasetVersion: s.datasetVersion(s.snapshot(r)),
		Links:          s.pageLinks(r, c.id, res.page, res.matched),
	})
}

// handleItem answers one feature as a GeoJSON Feature with links to itself
// and its collection (/req/core/f-op).
func (s *Server) handleItem(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collection(r)
	if err != nil {
		return err
	}
	snap, q, err := s.readState(r, c.id, false)
	if err != nil {
		return err
	}
	if err := parseDocument(q); err != nil {
		return err
	}
	feature, err := s.itemJSON(w, r, c, snap)
	if err != nil || feature == nil {
		return err
	}
	links, err := json.Marshal([]link{
		{Href: s.selfURL(r), Rel: relSelf, Type: contentTypeGeoJSON, Title: "this feature"},
		{Href: s.apiURL(r, "/collections/"+c.id), Rel: relCollection, Type: contentTypeJSON, Title: "the collection"},
	})
	if err != nil {
		return err
	}
	// feature is a JSON object: add "links" before its closing brace.
	feature = append(append(append(feature[:len(feature)-1], `,"links":`...), links...), "}\n"...)
	w.Header().Set("Content-Type", contentTypeGeoJSON)
	_, err = w.Write(feature)
	return err
}

// itemJSON returns the feature r names from snap. On a server with an
// Editor, a current (not as_of) feature of an editable collection is read
// from the store with its version, which becomes its ETag, the value a
// write's If-Match expects; a matching If-None-Match is answered 304 here,
// and itemJSON returns nil.
func (s *Server) itemJSON(w http.ResponseWriter, r *http.Request, c collection, snap *geo.Snapshot) ([]byte, error) {
	id := chi.URLParam(r, "featureId")
	if s.histories == nil || snap != s.snapshot(r) || !slices.Contains(editableCollections, c.id) || published(r) {
		// A past state, or the published view: no version to tag.
		return c.item(snap, id)
	}
	v, err := s.histories.Get(r.Context(), c.id, id)
	if errors.Is(err, geo.ErrNotFound) {
		return nil, notFeature(c.id, id)
	} else if err != nil {
		return nil, err
	}
	etag := versionETag(v.Number)
	w.Header().Set("ETag", etag)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil, nil
	}
	return v.Feature.MarshalJSON()
}

// readState returns the snapshot a read of collection answers from, and
// the query left for the collection's parser: the request's snapshot, or
// with as_of=DATE-TIME the edit history's state at that instant (the
// Editor's AsOf, for a viewer unless Config.PublicHistory), with as_of
// removed. allowDate leaves a plain date in
// the query for zones items, where as_of=DATE is the map as of that day.
// Governorates have no history; their parser refuses as_of.
func (s *Server) readState(r *http.Request, collection string, allowDate bool) (*geo.Snapshot, url.Values, error) {
	q := r.URL.Query()
	if !slices.Contains(editableCollections, collection) {
		return s.snapshot(r), q, nil
	}
	t, ok, rest, err := parseAsOfTime(q, collection, allowDate && collection == collectionZones)
	switch {
	case err != nil || !ok:
		return s.snapshot(r), q, err
	case s.histories == nil:
		return nil, nil, errNoHistory
	}
	if err := s.authorizeHistory(r); err != nil {
		return nil, nil, err
	}
	if published(r) {
		snap, err := s.cfg.Publication.PublishedAsOf(r.Context(), t)
		return snap, rest, err
	}
	snap, err := s.histories.AsOf(r.Context(), t)
	return snap, rest, err
}

// extentsOf returns the extents of snap: cached for the request's
// snapshot, computed for a past state.
func (s *Server) extentsOf(r *http.Request, snap *geo.Snapshot) (*extents, error) {
	if snap != s.snapshot(r) {
		return computeExtents(snap, s.catalog.Governorates())
	}
	if published(r) {
		return s.publishedExtents.get(snap, s.catalog.Governorates())
	}
	return s.extents.get(snap, s.catalog.Governorates())
}

// streamItems writes res as a FeatureCollection with header h, flushing
// every flushEvery features.
func streamItems(w http.ResponseWriter, res itemsPage, h collectionHeader) error {
	w.Header().Set("Content-Type", contentTypeGeoJSON)
	rc := http.NewResponseController(w)
	fw := newFeatureWriter(w)
	defer fw.release()
	fw.keep = res.properties
	if err := fw.Begin(h); err != nil {
		return err
	}
	for i := range res.n {
		if err := res.write(fw, i); err != nil {
			return err
		}
		if (i+1)%flushEvery == 0 {
			// Not every writer supports deadlines (httptest's does not).
			_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			if err := fw.Flush(); err != nil {
				return err
			}
		}
	}
	return fw.Close()
}

// notFeature is the 404 for a featureId that names nothing in collection.
func notFeature(collection, id string) error {
	return &notFoundError{field: "featureId", reason: quote(id) + " is not the ID of a feature of " + collection}
}

// featureJSON marshals a record found by ID, or turns geo.ErrNotFound into
// notFeature.
func featureJSON(collection, id string, rec json.Marshaler, err error) ([]byte, error) {
	if err != nil {
		if errors.Is(err, geo.ErrNotFound) {
			return nil, notFeature(collection, id)
		}
		return nil, err
	}
	return rec.MarshalJSON()
}

// incidentItems answers incidents items. geo has no governorate condition,
// so with "governorate" the whole ordered answer is filtered and paged
// here.
func (s *Server) incidentItems(snap *geo.Snapshot, q url.Values) (itemsPage, error) {
	req, err := parseIncidentItems(q, s.actorIDs(), s.governorateNames(), zoneExists(snap))
	if err != nil {
		return itemsPage{}, err
	}
	pg := req.page
	switch {
	case req.governorate != "" || req.sort != nil && !pg.hits:
		// The whole ordered answer, kept and sorted here, then paged.
		all, err := snap.Incidents(req.query)
		if err != nil {
			return itemsPage{}, err
		}
		kept := all.Incidents
		if req.governorate != "" {
			kept = slices.DeleteFunc(kept, func(in *geo.Incident) bool { return in.Governorate != req.governorate })
		}
		if req.sort != nil {
			sortRecords(kept, req.sort, incidentValue, func(in *geo.Incident) string { return string(in.ID) })
		}
		return incidentPage(pg, len(kept), pageOf(kept, pg)), nil
	case pg.hits:
		n, err := snap.CountIncidents(req.query)
		return itemsPage{page: pg, matched: n}, err
	}
	req.query.Offset, req.query.Limit = pg.offset, pg.limit
	p, err := snap.Incidents(req.query)
	if err != nil {
		return itemsPage{}, err
	}
	return incidentPage(pg, p.Matched, p.Incidents), nil
}

// incidentPage is the itemsPage of incidents ins, matched matching.
func incidentPage(pg page, matched int, ins []*geo.Incident) itemsPage {
	return itemsPage{page: pg, matched: matched, n: len(ins),
		write: func(fw *featureWriter, i int) error { return fw.Write(ins[i]) }}
}

// incidentItem returns the incident with ID id.
func (s *Server) incidentItem(snap *geo.Snapshot, id string) ([]byte, error) {
	in, err := snap.Incident(geo.IncidentID(id))
	return featureJSON(collectionIncidents, id, in, err)
}

// zoneItems answers zones items.
func (s *Server) zoneItems(snap *geo.Snapshot, q url.Values) (itemsPage, error) {
	req, err := parseZoneItems(q, s.actorIDs())
	if err != nil {
		return itemsPage{}, err
	}
	if req.sort == nil {
		req.query.Offset, req.query.Limit = req.page.offset, req.page.limit
	}
	p, err := snap.Zones(req.query)
	if err != nil || req.page.hits {
		return itemsPage{page: req.page, matched: p.Matched}, err
	}
	found := p.Zones
	if req.sort != nil {
		sortRecords(found, req.sort, zoneValue, func(z *geo.Zone) string { return string(z.ID) })
		found = pageOf(found, req.page)
	}
	return itemsPage{page: req.page, matched: p.Matched, n: len(found),
		write: func(fw *featureWriter, i int) error { return fw.Write(found[i]) }}, nil
}

// zoneItem returns the zone with ID id.
func (s *Server) zoneItem(snap *geo.Snapshot, id string) ([]byte, error) {
	z, err := snap.Zone(geo.ZoneID(id))
	return featureJSON(collectionZones, id, z, err)
}

// siteItems answers sites items. geo has no governorate condition, so
// with "governorate" the whole ordered answer is filtered and paged here.
func (s *Server) siteItems(snap *geo.Snapshot, q url.Values) (itemsPage, error) {
	req, err := parseSiteItems(q, s.governorateNames(), zoneExists(snap))
	if err != nil {
		return itemsPage{}, err
	}
	if req.governorate == "" && req.sort == nil {
		req.query.Offset, req.query.Limit = req.page.offset, req.page.limit
	}
	p, err := snap.Sites(req.query)
	if err != nil {
		return itemsPage{}, err
	}
	found := p.Sites
	if req.governorate != "" || req.sort != nil {
		if req.governorate != "" {
			found = slices.DeleteFunc(found, func(st *geo.Site) bool { return st.Governorate != req.governorate })
		}
		if req.sort != nil {
			sortRecords(found, req.sort, siteValue, func(st *geo.Site) string { return string(st.ID) })
		}
		p.Matched, found = len(found), pageOf(found, req.page)
	} else if req.page.hits {
		found = nil
	}
	return itemsPage{page: req.page, matched: p.Matched, n: len(found),
		write: func(fw *featureWriter, i int) error { return fw.Write(found[i]) }}, nil
}

// siteItem returns the site with ID id.
func (s *Server) siteItem(snap *geo.Snapshot, id string) ([]byte, error) {
	st, err := snap.Site(geo.SiteID(id))
	return featureJSON(collectionSites, id, st, err)
}

// governorateItems answers governorates items. The boundaries are few and
// not in the index: "bbox" keeps those whose bounding box meets it, which
// may include a governorate that only comes near the box.
func (s *Server) governorateItems(_ *geo.Snapshot, q url.Values) (itemsPage, error) {
	req, err := parseGovernorateItems(q)
	if err != nil {
		return itemsPage{}, err
	}
	all := s.catalog.Governorates()
	var govs []*geo.Boundary
	for i := range all {
		if req.bbox == nil || all[i].Area.Bound().Intersects(*req.bbox) {
			govs = append(govs, &all[i])
		}
	}
	found := pageOf(govs, req.page)
	return itemsPage{page: req.page, matched: len(govs), n: len(found),
		write: func(fw *featureWriter, i int) error { return fw.Write(found[i]) }}, nil
}

// governorateItem returns the governorate with ID id.
func (s *Server) governorateItem(_ *geo.Snapshot, id string) ([]byte, error) {
	govs := s.catalog.Governorates()
	i := slices.IndexFunc(govs, func(g geo.Boundary) bool { return g.ID == id })
	if i < 0 {
		return nil, notFeature(collectionGovernorates, id)
	}
	return govs[i].MarshalJSON()
}

// pageOf returns the features of xs that pg asks for: none for hits, else
// at most pg.limit after skipping pg.offset.
func pageOf[T any](xs []T, pg page) []T {
	if pg.hits || pg.offset >= len(xs) {
		return nil
	}
	return xs[pg.offset:min(len(xs), pg.offset+pg.limit)]
}
