package server

import (
	"net/http"
	"strconv"
	"strings"
)

// Link relations and media types of OGC API documents.
const (
	relSelf        = "self"
	relServiceDesc = "service-desc"
	relConformance = "conformance"
	relData        = "data"
	relItems       = "items"
	relCollection  = "collection"
	relQueryables  = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
	// OGC API – Tiles: the tile matrix sets, and a collection's vector
	// tilesets.
	relTilingSchemes = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
	relVectorTiles   = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
	relNext          = "next"
	relPrev          = "prev"
)

// baseURL is the absolute URL at which the server's root (/) is reachable,
// without a trailing slash: Config.BaseURL when set (behind a proxy), else
// the scheme and Host of r. Links in documents are built on it, because
// OGC API clients such as GDAL follow them as given.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimRight(s.cfg.BaseURL, "/")
	}
	x := exchangeOf(r)
	if x != nil && x.base != "" {
		return x.base
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host
	if x != nil {
		x.base = base
	}
	return base
}

// apiURL is the absolute URL of path under /api ("" for the landing page).
func (s *Server) apiURL(r *http.Request, path string) string {
	return s.baseURL(r) + "/api" + path
}

// selfURL is the absolute URL of r itself, its query as the client sent it.
func (s *Server) selfURL(r *http.Request) string {
	return s.baseURL(r) + requestTarget(r)
}

// requestTarget is r's path and query as the client sent them: the
// request line's target, which net/http keeps, when it has that
// (origin) form, else rebuilt from r.URL (a request made in-process, or
// the absolute form a proxy sends).
func requestTarget(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// pageLinks are the links of one page of items: self, the collection, and
// next and prev when there are features after or before the page. next and
// prev keep every other query parameter of r and set offset and limit.
func (s *Server) pageLinks(r *http.Request, collectionID string, pg page, matched int) []link {
	links := []link{
		{Href: s.selfURL(r), Rel: relSelf, Type: contentTypeGeoJSON, Title: "this page"},
		{Href: s.apiURL(r, "/collections/"+collectionID), Rel: relCollection, Type: contentTypeJSON, Title: "the collection"},
	}
	if pg.hits {
		return links
	}
	at := func(offset int) string {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(offset))
		q.Set("limit", strconv.Itoa(pg.limit))
		return s.baseURL(r) + r.URL.Path + "?" + q.Encode()
	}
	if pg.offset+pg.limit < matched {
		links = append(links, link{Href: at(pg.offset + pg.limit), Rel: relNext, Type: contentTypeGeoJSON, Title: "next page"})
	}
	if pg.offset > 0 {
		links = append(links, link{Href: at(max(0, pg.offset-pg.limit)), Rel: relPrev, Type: contentTypeGeoJSON, Title: "previous page"})
	}
	return links
}
