package awssim

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func init() { register(newS3) }

// s3State holds every bucket. Bucket names are global across regions, as on AWS; each
// bucket remembers its region, and a request for it through another region's endpoint is
// redirected (301 PermanentRedirect). Wire format: REST-XML as in the SDK's
// service/s3/serializers.go and deserializers.go; path-style (UsePathStyle) and
// virtual-host-style addressing are both served (BucketAndKey).
type s3State struct {
	Buckets map[string]*s3Bucket `json:"buckets"`
	sim     *Sim
}

type s3Bucket struct {
	Name      string    `json:"name"`
	Region    string    `json:"region"`
	CreatedAt time.Time `json:"createdAt"`
	// Versioning is "" (never enabled), "Enabled" or "Suspended".
	Versioning string `json:"versioning,omitempty"`
	// Objects holds each key's versions, oldest first; the last one is current.
	Objects map[string][]*s3Version `json:"objects"`
	// PublicAccessBlock is nil once deleted; a new bucket blocks everything (s3_config.go).
	PublicAccessBlock *s3PublicAccessBlock `json:"publicAccessBlock,omitempty"`
	// Encryption is nil for the SSE-S3 default.
	Encryption        *s3EncryptionRule `json:"encryption,omitempty"`
	Lifecycle         []s3LifecycleRule `json:"lifecycle,omitempty"`
	TransitionMinSize string            `json:"transitionMinSize,omitempty"`
	Tags              map[string]string `json:"tags,omitempty"`
}

type s3Version struct {
	VersionID    string    `json:"versionId"` // "null" when versioning was never enabled or is suspended
	ETag         string    `json:"etag,omitempty"`
	Size         int64     `json:"size"`
	LastModified time.Time `json:"lastModified"`
	DeleteMarker bool      `json:"deleteMarker,omitempty"`
}

const s3XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"

func newS3(sim *Sim) *Service {
	s := &s3State{sim: sim}
	s.Reset()
	return &Service{
		Name:     "s3",
		Protocol: RESTXML,
		XMLNS:    s3XMLNS,
		Route:    s3Route,
		State:    s,
		Ops: map[string]Op{
			"ListBuckets":                     s.listBuckets,
			"CreateBucket":                    s.createBucket,
			"HeadBucket":                      s.headBucket,
			"DeleteBucket":                    s.deleteBucket,
			"PutBucketVersioning":             s.putBucketVersioning,
			"GetBucketVersioning":             s.getBucketVersioning,
			"PutPublicAccessBlock":            s.putPublicAccessBlock,
			"GetPublicAccessBlock":            s.getPublicAccessBlock,
			"DeletePublicAccessBlock":         s.deletePublicAccessBlock,
			"PutBucketEncryption":             s.putBucketEncryption,
			"GetBucketEncryption":             s.getBucketEncryption,
			"PutBucketLifecycleConfiguration": s.putBucketLifecycleConfiguration,
			"GetBucketLifecycleConfiguration": s.getBucketLifecycleConfiguration,
			"DeleteBucketLifecycle":           s.deleteBucketLifecycle,
			"PutBucketTagging":                s.putBucketTagging,
			"GetBucketTagging":                s.getBucketTagging,
			"DeleteBucketTagging":             s.deleteBucketTagging,
			"PutObject":                       s.putObject,
			"DeleteObject":                    s.deleteObject,
			"ListObjectVersions":              s.listObjectVersions,
			"ListObjectsV2":                   s.listObjectsV2,
			"DeleteObjects":                   s.deleteObjects,
		},
	}
}

func (s *s3State) Reset() { s.Buckets = map[string]*s3Bucket{} }

// Live lists buckets, object versions and delete markers: anything that keeps a bucket
// from being deleted is a resource a leak check must see.
func (s *s3State) Live(time.Time) []Resource {
	var out []Resource
	for _, name := range slices.Sorted(maps.Keys(s.Buckets)) {
		b := s.Buckets[name]
		out = append(out, Resource{Service: "s3", Type: "bucket", ID: name, Region: b.Region, Tags: maps.Clone(b.Tags)})
		for _, key := range slices.Sorted(maps.Keys(b.Objects)) {
			for _, v := range b.Objects[key] {
				typ := "object-version"
				if v.DeleteMarker {
					typ = "delete-marker"
				}
				out = append(out, Resource{Service: "s3", Type: typ, ID: name + "/" + key + "?versionId=" + v.VersionID, Region: b.Region})
			}
		}
	}
	return out
}

// s3BucketConfigOps names the operations on bucket subresources, by subresource and method.
var s3BucketConfigOps = map[string]map[string]string{
	"versioning":        {http.MethodPut: "PutBucketVersioning", http.MethodGet: "GetBucketVersioning"},
	"publicAccessBlock": {http.MethodPut: "PutPublicAccessBlock", http.MethodGet: "GetPublicAccessBlock", http.MethodDelete: "DeletePublicAccessBlock"},
	"encryption":        {http.MethodPut: "PutBucketEncryption", http.MethodGet: "GetBucketEncryption"},
	"lifecycle":         {http.MethodPut: "PutBucketLifecycleConfiguration", http.MethodGet: "GetBucketLifecycleConfiguration", http.MethodDelete: "DeleteBucketLifecycle"},
	"tagging":           {http.MethodPut: "PutBucketTagging", http.MethodGet: "GetBucketTagging", http.MethodDelete: "DeleteBucketTagging"},
}

// s3Route names the operation of an S3 request from method, addressing and subresource.
func s3Route(r *http.Request) string {
	bucket, key := BucketAndKey(r)
	q := r.URL.Query()
	if bucket != "" && key == "" {
		for sub, ops := range s3BucketConfigOps {
			if op, ok := ops[r.Method]; ok && q.Has(sub) {
				return op
			}
		}
	}
	switch {
	case bucket == "" && r.Method == http.MethodGet:
		return "ListBuckets"
	case key == "" && r.Method == http.MethodGet && q.Has("versions"):
		return "ListObjectVersions"
	case key == "" && r.Method == http.MethodGet && q.Get("list-type") == "2":
		return "ListObjectsV2"
	case key == "" && r.Method == http.MethodPost && q.Has("delete"):
		return "DeleteObjects"
	case key == "" && r.Method == http.MethodPut && len(q) == 0:
		return "CreateBucket"
	case key == "" && r.Method == http.MethodHead:
		return "HeadBucket"
	case key == "" && r.Method == http.MethodDelete && len(q) == 0:
		return "DeleteBucket"
	case key != "" && r.Method == http.MethodPut && !q.Has("tagging") && !q.Has("acl") && !q.Has("uploadId"):
		return "PutObject"
	case key != "" && r.Method == http.MethodDelete && !q.Has("tagging") && !q.Has("uploadId"):
		return "DeleteObject"
	}
	return r.Method + " ?" + r.URL.RawQuery // not simulated: the simulator answers InvalidAction
}

// s3XML is a successful XML response.
func s3XML(v any, header http.Header) (*RawResponse, error) {
	b, err := xml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal S3 response: %w", err)
	}
	if header == nil {
		header = http.Header{}
	}
	header.Set("Content-Type", "application/xml")
	return &RawResponse{Status: http.StatusOK, Header: header, Body: append([]byte(xml.Header), b...)}, nil
}

func s3Err(status int, code, format string, args ...any) *APIError {
	return Errorf(code, format, args...).WithStatus(status)
}

func noSuchBucket(name string) *APIError {
	return s3Err(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist: %s", name)
}

// bucket finds the request's bucket in the request's region.
func (s *s3State) bucket(c *Call) (*s3Bucket, error) {
	name, _ := BucketAndKey(c.HTTP)
	b, ok := s.Buckets[name]
	if !ok {
		return nil, noSuchBucket(name)
	}
	if b.Region != c.Region {
		return nil, s3Err(http.StatusMovedPermanently, "PermanentRedirect",
			"The bucket you are attempting to access must be addressed using the specified endpoint (bucket region %s). Please send all future requests to this endpoint.", b.Region)
	}
	if b.Objects == nil {
		b.Objects = map[string][]*s3Version{}
	}
	return b, nil
}

var regionRE = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$`)

func (s *s3State) createBucket(c *Call) (any, error) {
	name, _ := BucketAndKey(c.HTTP)
	if err := checkBucketName(name); err != nil {
		return nil, err
	}
	var cfg struct {
		LocationConstraint string  `xml:"LocationConstraint"`
		Tags               []s3Tag `xml:"Tags>Tag"`
	}
	if len(bytes.TrimSpace(c.Body)) > 0 {
		if err := xml.Unmarshal(c.Body, &cfg); err != nil {
			return nil, s3Err(http.StatusBadRequest, "MalformedXML",
				"The XML you provided was not well-formed or did not validate against our published schema")
		}
	}
	// The LocationConstraint rules: us-east-1 takes none; every other region requires its own.
	lc := cfg.LocationConstraint
	switch {
	case lc != "" && !regionRE.MatchString(lc) && lc != "EU":
		return nil, s3Err(http.StatusBadRequest, "InvalidLocationConstraint", "The specified location-constraint is not valid")
	case c.Region == "us-east-1" && lc == "us-east-1":
		return nil, s3Err(http.StatusBadRequest, "InvalidLocationConstraint", "The specified location-constraint is not valid")
	case lc == "" && c.Region != "us-east-1":
		return nil, s3Err(http.StatusBadRequest, "IllegalLocationConstraintException",
			"The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case lc != "" && lc != c.Region:
		return nil, s3Err(http.StatusBadRequest, "IllegalLocationConstraintException",
			"The %s location constraint is incompatible for the region specific endpoint this request was sent to.", lc)
	}
	tags, err := s3BucketTagMap(cfg.Tags)
	if err != nil {
		return nil, err
	}
	if b, ok := s.Buckets[name]; ok {
		// us-east-1 answers a repeated create of one's own bucket there with 200 (legacy
		// behaviour); every other case is BucketAlreadyOwnedByYou.
		if b.Region == "us-east-1" && c.Region == "us-east-1" {
			return &RawResponse{Status: http.StatusOK, Header: http.Header{"Location": {"/" + name}}}, nil
		}
		return nil, s3Err(http.StatusConflict, "BucketAlreadyOwnedByYou",
			"Your previous request to create the named bucket succeeded and you already own it.")
	}
	s.Buckets[name] = &s3Bucket{Name: name, Region: c.Region, CreatedAt: c.Now, Objects: map[string][]*s3Version{},
		PublicAccessBlock: s3DefaultPublicAccessBlock(), Tags: tags}
	return &RawResponse{Status: http.StatusOK, Header: http.Header{"Location": {"/" + name}}}, nil
}

func (s *s3State) headBucket(c *Call) (any, error) {
	name, _ := BucketAndKey(c.HTTP)
	b, ok := s.Buckets[name]
	if !ok {
		return nil, noSuchBucket(name) // HEAD has no body: the SDK reads 404 as NotFound
	}
	h := http.Header{"X-Amz-Bucket-Region": {b.Region}}
	if b.Region != c.Region {
		return &RawResponse{Status: http.StatusMovedPermanently, Header: h}, nil
	}
	return &RawResponse{Status: http.StatusOK, Header: h}, nil
}

func (s *s3State) deleteBucket(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	if len(b.Objects) > 0 {
		return nil, s3Err(http.StatusConflict, "BucketNotEmpty",
			"The bucket you tried to delete is not empty. You must delete all versions in the bucket.")
	}
	delete(s.Buckets, b.Name)
	return &RawResponse{Status: http.StatusNoContent}, nil
}

type s3VersioningConfig struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Status  string   `xml:"Status,omitempty"`
}

func (s *s3State) putBucketVersioning(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	var cfg s3VersioningConfig
	if err := xml.Unmarshal(c.Body, &cfg); err != nil || (cfg.Status != "Enabled" && cfg.Status != "Suspended") {
		return nil, s3Err(http.StatusBadRequest, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema")
	}
	b.Versioning = cfg.Status
	return &RawResponse{Status: http.StatusOK}, nil
}

func (s *s3State) getBucketVersioning(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	return s3XML(s3VersioningConfig{Xmlns: s3XMLNS, Status: b.Versioning}, nil)
}

// newVersionID is the ID of a new version: "null" unless versioning is enabled.
func (b *s3Bucket) newVersionID() string {
	if b.Versioning != "Enabled" {
		return "null"
	}
	return strings.TrimPrefix(NewID("v"), "v-") + strings.TrimPrefix(NewID("v"), "v-")[:15]
}

// add makes v the current version of key. A "null" version replaces the earlier null one.
func (b *s3Bucket) add(key string, v *s3Version) {
	versions := b.Objects[key]
	if v.VersionID == "null" {
		versions = slices.DeleteFunc(versions, func(o *s3Version) bool { return o.VersionID == "null" })
	}
	b.Objects[key] = append(versions, v)
}

func (s *s3State) putObject(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	_, key := BucketAndKey(c.HTTP)
	body, err := s3Payload(c)
	if err != nil {
		return nil, err
	}
	sum := md5.Sum(body)
	v := &s3Version{VersionID: b.newVersionID(), ETag: `"` + hex.EncodeToString(sum[:]) + `"`,
		Size: int64(len(body)), LastModified: c.Now}
	b.add(key, v)
	h := http.Header{"ETag": {v.ETag}}
	if b.Versioning != "" {
		h.Set("X-Amz-Version-Id", v.VersionID)
	}
	return &RawResponse{Status: http.StatusOK, Header: h}, nil
}

// s3Payload is the object data of a PutObject, decoding aws-chunked bodies (the SDK sends
// them with a trailing checksum over HTTPS).
func s3Payload(c *Call) ([]byte, error) {
	enc := c.HTTP.Header.Get("Content-Encoding")
	if !strings.Contains(enc, "aws-chunked") && !strings.HasPrefix(c.HTTP.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return c.Body, nil
	}
	r := bufio.NewReader(bytes.NewReader(c.Body))
	var out []byte
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, s3Err(http.StatusBadRequest, "IncompleteBody", "The request body terminated unexpectedly")
		}
		sizeHex, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil || n < 0 {
			return nil, s3Err(http.StatusBadRequest, "InvalidChunkSizeError", "Only the last chunk is allowed to have a size less than 8192 bytes")
		}
		if n == 0 {
			return out, nil // trailers follow; their checksum is not verified
		}
		chunk := make([]byte, n)
		if _, err := io.ReadFull(r, chunk); err != nil {
			return nil, s3Err(http.StatusBadRequest, "IncompleteBody", "The request body terminated unexpectedly")
		}
		out = append(out, chunk...)
		_, _ = r.ReadString('\n') // CRLF after the chunk
	}
}

// deleteKey deletes one key (a delete marker when versioning is on) or one version.
func (b *s3Bucket) deleteKey(key, versionID string, now time.Time) (marker bool, markerVersion string) {
	if versionID != "" {
		versions := b.Objects[key]
		for i, v := range versions {
			if v.VersionID == versionID {
				marker = v.DeleteMarker
				versions = slices.Delete(versions, i, i+1)
				break
			}
		}
		if len(versions) == 0 {
			delete(b.Objects, key)
		} else {
			b.Objects[key] = versions
		}
		if marker {
			markerVersion = versionID
		}
		return marker, markerVersion
	}
	if b.Versioning == "" {
		delete(b.Objects, key)
		return false, ""
	}
	m := &s3Version{VersionID: b.newVersionID(), LastModified: now, DeleteMarker: true}
	b.add(key, m)
	return true, m.VersionID
}

func (s *s3State) deleteObject(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	_, key := BucketAndKey(c.HTTP)
	versionID := c.HTTP.URL.Query().Get("versionId")
	marker, markerVersion := b.deleteKey(key, versionID, c.Now)
	h := http.Header{}
	if marker {
		h.Set("X-Amz-Delete-Marker", "true")
	}
	if v := markerVersion; v != "" {
		h.Set("X-Amz-Version-Id", v)
	} else if versionID != "" {
		h.Set("X-Amz-Version-Id", versionID)
	}
	return &RawResponse{Status: http.StatusNoContent, Header: h}, nil
}

type s3Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

var simOwner = s3Owner{ID: strings.Repeat("a1b2c3d4", 8), DisplayName: "awssim"}

type s3VersionEntry struct {
	Key          string  `xml:"Key"`
	VersionID    string  `xml:"VersionId"`
	IsLatest     bool    `xml:"IsLatest"`
	LastModified string  `xml:"LastModified"`
	ETag         string  `xml:"ETag,omitempty"`
	Size         *int64  `xml:"Size,omitempty"`
	StorageClass string  `xml:"StorageClass,omitempty"`
	Owner        s3Owner `xml:"Owner"`
}

type listVersionsResult struct {
	XMLName             xml.Name         `xml:"ListVersionsResult"`
	Xmlns               string           `xml:"xmlns,attr"`
	Name                string           `xml:"Name"`
	Prefix              string           `xml:"Prefix"`
	KeyMarker           string           `xml:"KeyMarker"`
	VersionIDMarker     string           `xml:"VersionIdMarker"`
	NextKeyMarker       string           `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string           `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int              `xml:"MaxKeys"`
	IsTruncated         bool             `xml:"IsTruncated"`
	Versions            []s3VersionEntry `xml:"Version"`
	DeleteMarkers       []s3VersionEntry `xml:"DeleteMarker"`
}

func (s *s3State) listObjectVersions(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	q := c.HTTP.URL.Query()
	prefix, keyMarker, versionMarker := q.Get("prefix"), q.Get("key-marker"), q.Get("version-id-marker")
	maxKeys := s.sim.PageSize() // small on purpose; AWS's default is 1000
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, s3Err(http.StatusBadRequest, "InvalidArgument", "Provided max-keys not an integer or within integer range")
		}
		maxKeys = min(n, 1000)
	}
	if versionMarker != "" && keyMarker == "" {
		return nil, s3Err(http.StatusBadRequest, "InvalidArgument", "A version-id marker cannot be specified without a key marker.")
	}
	// Keys in order, each key's versions newest first: the order S3 lists them in.
	type entry struct {
		key string
		v   *s3Version
	}
	var all []entry
	for _, key := range slices.Sorted(maps.Keys(b.Objects)) {
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		versions := b.Objects[key]
		for i := len(versions) - 1; i >= 0; i-- {
			all = append(all, entry{key, versions[i]})
		}
	}
	start := 0
	if keyMarker != "" {
		start = len(all)
		for i, e := range all {
			if versionMarker == "" && e.key > keyMarker {
				start = i
				break
			}
			if versionMarker != "" && e.key == keyMarker && e.v.VersionID == versionMarker {
				start = i + 1
				break
			}
		}
	}
	end := min(start+maxKeys, len(all))
	out := listVersionsResult{Xmlns: s3XMLNS, Name: b.Name, Prefix: prefix, KeyMarker: keyMarker,
		VersionIDMarker: versionMarker, MaxKeys: maxKeys, IsTruncated: end < len(all)}
	for _, e := range all[start:end] {
		latest := b.Objects[e.key][len(b.Objects[e.key])-1] == e.v
		item := s3VersionEntry{Key: e.key, VersionID: e.v.VersionID, IsLatest: latest,
			LastModified: e.v.LastModified.UTC().Format("2006-01-02T15:04:05.000Z"), Owner: simOwner}
		if e.v.DeleteMarker {
			out.DeleteMarkers = append(out.DeleteMarkers, item)
			continue
		}
		size := e.v.Size
		item.ETag, item.Size, item.StorageClass = e.v.ETag, &size, "STANDARD"
		out.Versions = append(out.Versions, item)
	}
	if out.IsTruncated {
		last := all[end-1]
		out.NextKeyMarker, out.NextVersionIDMarker = last.key, last.v.VersionID
	}
	return s3XML(out, nil)
}

type deleteResult struct {
	XMLName xml.Name `xml:"DeleteResult"`
	Xmlns   string   `xml:"xmlns,attr"`
	Deleted []struct {
		Key                   string `xml:"Key"`
		VersionID             string `xml:"VersionId,omitempty"`
		DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
		DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
	} `xml:"Deleted"`
	Errors []struct {
		Key     string `xml:"Key"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
}

func (s *s3State) deleteObjects(c *Call) (any, error) {
	b, err := s.bucket(c)
	if err != nil {
		return nil, err
	}
	if !hasPayloadChecksum(c.HTTP.Header) {
		return nil, s3Err(http.StatusBadRequest, "InvalidRequest",
			"Missing required header for this request: Content-MD5 OR x-amz-checksum-*")
	}
	var in struct {
		Quiet   bool `xml:"Quiet"`
		Objects []struct {
			Key       string `xml:"Key"`
			VersionID string `xml:"VersionId"`
		} `xml:"Object"`
	}
	if err := xml.Unmarshal(c.Body, &in); err != nil || len(in.Objects) == 0 || len(in.Objects) > 1000 {
		return nil, s3Err(http.StatusBadRequest, "MalformedXML",
			"The XML you provided was not well-formed or did not validate against our published schema")
	}
	out := deleteResult{Xmlns: s3XMLNS}
	for _, o := range in.Objects {
		if o.Key == "" {
			out.Errors = append(out.Errors, struct {
				Key     string `xml:"Key"`
				Code    string `xml:"Code"`
				Message string `xml:"Message"`
			}{o.Key, "InvalidArgument", "Invalid key"})
			continue
		}
		marker, markerVersion := b.deleteKey(o.Key, o.VersionID, c.Now)
		if in.Quiet {
			continue
		}
		out.Deleted = append(out.Deleted, struct {
			Key                   string `xml:"Key"`
			VersionID             string `xml:"VersionId,omitempty"`
			DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
			DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
		}{o.Key, o.VersionID, marker, markerVersion})
	}
	return s3XML(out, nil)
}

// hasPayloadChecksum reports whether a request carries the integrity header DeleteObjects requires.
func hasPayloadChecksum(h http.Header) bool {
	if h.Get("Content-MD5") != "" {
		return true
	}
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-checksum-") {
			return true
		}
	}
	return false
}
