package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/catalog/publish"
	"github.com/frontline-maps/frontline/geo"
)

// Publication is the published view of the dataset: what a reader without
// the editor role reads while a publication policy, or an editor's
// per-incident override, is in force (catalog.Catalog's, published.go).
// Every read of such a reader answers from it: the request's snapshot is
// the view's, and the history routes pass through it.
type Publication interface {
	// Publishing reports whether the view differs from the index.
	Publishing() bool
	// Policy returns the publication policy; nil when only editors'
	// overrides make the view.
	Policy() *publish.Policy
	// Published returns the view's snapshot and its generation, which
	// changes whenever its content does.
	Published() (*geo.Snapshot, uint64)
	// PublishedChanged returns a channel closed when the view's content
	// next changes.
	PublishedChanged() <-chan struct{}
	// PublishedAsOf is History.AsOf of the view.
	PublishedAsOf(ctx context.Context, t time.Time) (*geo.Snapshot, error)
	// PublishVersions returns a feature's versions as the view shows
	// them; geo.ErrNotFound when its current version is not published.
	PublishVersions(collection string, vs []catalog.Version) ([]catalog.Version, error)
	// PublishChanges returns a page of the change feed as the view shows
	// it: unpublished incidents left out.
	PublishChanges(page []catalog.Change) []catalog.Change
	// PublishedFeedEnd returns the last dataset version of the feed the
	// view's readers may read (the feed lags by the longest embargo).
	PublishedFeedEnd(ctx context.Context) (int64, error)
}

// headerView names the header that marks an answer from the published
// view: "published". Aggregates (stats, grid, clusters, tiles' counts)
// are then over what is published, not over every incident.
const headerView = "Frontline-View"

var valuePublished = []string{"published"}[:1:1]

// readsPublished reports whether a request of principal p (nil: no token)
// reads the published view: there is one, and p is not an editor.
func (s *Server) readsPublished(p *principal) bool {
	return s.cfg.Publication != nil && s.cfg.Publication.Publishing() && (p == nil || !p.role.Allows(catalog.RoleEditor))
}

// usePublished makes the published view the snapshot of r's exchange.
func (s *Server) usePublished(r *http.Request) {
	if x := exchangeOf(r); x != nil && x.snap != nil {
		x.snap, x.generation = s.cfg.Publication.Published()
		x.published = true
		x.values[1] = s.datasetVersion(x.snap)
		x.Header()[headerDatasetVersion] = x.values[1:2:2]
		x.Header()[headerView] = valuePublished
	}
}

// published reports whether r reads the published view.
func published(r *http.Request) bool {
	x := exchangeOf(r)
	return x != nil && x.published
}

// instanceID is random to each process, in the ETag of a published read:
// the view's generations count this process's changes, so a tag must not
// match another instance's.
var instanceID = func() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}()
