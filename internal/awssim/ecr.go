package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"
)

func init() { register(newECR) }

// ecrState is ECR state per region. Wire format: awsJson1_1, X-Amz-Target
// AmazonEC2ContainerRegistry_V20150921.<Op> (the service schema ID in the SDK's
// service/ecr/schemas), member names as in the SDK schemas (repositoryName, registryId, ...).
type ecrState struct {
	Regions map[string]*ecrRegion `json:"regions"`
	sim     *Sim
}

type ecrRegion struct {
	Repositories map[string]*ecrRepository `json:"repositories"`
}

type ecrRepository struct {
	Name            string               `json:"name"`
	ARN             string               `json:"arn"`
	URI             string               `json:"uri"`
	CreatedAt       time.Time            `json:"createdAt"`
	TagMutability   string               `json:"tagMutability"`
	ScanOnPush      bool                 `json:"scanOnPush"`
	EncryptionType  string               `json:"encryptionType"`
	KMSKey          string               `json:"kmsKey,omitempty"`
	LifecyclePolicy string               `json:"lifecyclePolicy,omitempty"`
	Tags            map[string]string    `json:"tags,omitempty"`
	Images          map[string]*ecrImage `json:"images"` // by digest
}

type ecrImage struct {
	Digest    string    `json:"digest"`
	Tags      []string  `json:"tags,omitempty"`
	Manifest  string    `json:"manifest"`
	MediaType string    `json:"mediaType,omitempty"`
	PushedAt  time.Time `json:"pushedAt"`
	Scanned   bool      `json:"scanned,omitempty"`
}

func newECR(sim *Sim) *Service {
	s := &ecrState{sim: sim}
	s.Reset()
	return &Service{
		Name:         "ecr",
		Protocol:     JSON11,
		TargetPrefix: "AmazonEC2ContainerRegistry_V20150921",
		State:        s,
		Ops: map[string]Op{
			"CreateRepository":              s.createRepository,
			"DescribeRepositories":          s.describeRepositories,
			"DeleteRepository":              s.deleteRepository,
			"PutLifecyclePolicy":            s.putLifecyclePolicy,
			"GetLifecyclePolicy":            s.getLifecyclePolicy,
			"DeleteLifecyclePolicy":         s.deleteLifecyclePolicy,
			"PutImageScanningConfiguration": s.putImageScanningConfiguration,
			"PutImageTagMutability":         s.putImageTagMutability,
			"PutImage":                      s.putImage,
			"DescribeImages":                s.describeImages,
			"ListImages":                    s.listImages,
			"TagResource":                   s.tagResource,
			"UntagResource":                 s.untagResource,
			"ListTagsForResource":           s.listTagsForResource,
		},
	}
}

func (s *ecrState) Reset() { s.Regions = map[string]*ecrRegion{} }

func (s *ecrState) region(c *Call) *ecrRegion {
	r, ok := s.Regions[c.Region]
	if !ok {
		r = &ecrRegion{}
		s.Regions[c.Region] = r
	}
	if r.Repositories == nil {
		r.Repositories = map[string]*ecrRepository{}
	}
	return r
}

// Live lists repositories and the images in them.
func (s *ecrState) Live(time.Time) []Resource {
	var out []Resource
	for _, region := range slices.Sorted(maps.Keys(s.Regions)) {
		for _, name := range slices.Sorted(maps.Keys(s.Regions[region].Repositories)) {
			repo := s.Regions[region].Repositories[name]
			out = append(out, Resource{Service: "ecr", Type: "repository", ID: name, Region: region, Tags: maps.Clone(repo.Tags)})
			for _, d := range slices.Sorted(maps.Keys(repo.Images)) {
				out = append(out, Resource{Service: "ecr", Type: "image", ID: name + "@" + d, Region: region})
			}
		}
	}
	return out
}

// JSON shapes, member names from the SDK's service/ecr/schemas.

type ecrTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type ecrScanningConfig struct {
	ScanOnPush bool `json:"scanOnPush"`
}

type ecrEncryptionConfig struct {
	EncryptionType string `json:"encryptionType"`
	KMSKey         string `json:"kmsKey,omitempty"`
}

type ecrRepositoryOut struct {
	RepositoryArn              string              `json:"repositoryArn"`
	RegistryID                 string              `json:"registryId"`
	RepositoryName             string              `json:"repositoryName"`
	RepositoryURI              string              `json:"repositoryUri"`
	CreatedAt                  EpochSeconds        `json:"createdAt"`
	ImageTagMutability         string              `json:"imageTagMutability"`
	ImageScanningConfiguration ecrScanningConfig   `json:"imageScanningConfiguration"`
	EncryptionConfiguration    ecrEncryptionConfig `json:"encryptionConfiguration"`
}

func (r *ecrRepository) out() ecrRepositoryOut {
	return ecrRepositoryOut{
		RepositoryArn: r.ARN, RegistryID: Account, RepositoryName: r.Name, RepositoryURI: r.URI,
		CreatedAt: EpochSeconds(r.CreatedAt), ImageTagMutability: r.TagMutability,
		ImageScanningConfiguration: ecrScanningConfig{ScanOnPush: r.ScanOnPush},
		EncryptionConfiguration:    ecrEncryptionConfig{EncryptionType: r.EncryptionType, KMSKey: r.KMSKey},
	}
}

// ecrRepoRef is the registryId + repositoryName pair most operations take.
type ecrRepoRef struct {
	RegistryID     string `json:"registryId"`
	RepositoryName string `json:"repositoryName"`
}

func ecrInvalid(format string, args ...any) *APIError {
	return Errorf("InvalidParameterException", format, args...)
}

func ecrRepoNotFound(name string) *APIError {
	return Errorf("RepositoryNotFoundException",
		"The repository with name '%s' does not exist in the registry with id '%s'", name, Account)
}

// lookup finds a repository named in a request (registryId, when given, must be ours).
func (s *ecrState) lookup(c *Call, ref ecrRepoRef) (*ecrRepository, error) {
	if ref.RepositoryName == "" {
		return nil, ecrInvalid("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must not be null'")
	}
	if ref.RegistryID != "" && ref.RegistryID != Account {
		return nil, ecrRepoNotFound(ref.RepositoryName)
	}
	repo, ok := s.region(c).Repositories[ref.RepositoryName]
	if !ok {
		return nil, ecrRepoNotFound(ref.RepositoryName)
	}
	return repo, nil
}

func ecrTagMap(tags []ecrTag) (map[string]string, error) {
	out := map[string]string{}
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out, checkTags("ecr", out)
}

func ecrMutability(v string) (string, error) {
	switch v {
	case "":
		return "MUTABLE", nil
	case "MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION":
		return v, nil
	}
	return "", ecrInvalid("Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]'")
}

func (s *ecrState) createRepository(c *Call) (any, error) {
	var in struct {
		ecrRepoRef
		Tags                       []ecrTag             `json:"tags"`
		ImageTagMutability         string               `json:"imageTagMutability"`
		ImageScanningConfiguration *ecrScanningConfig   `json:"imageScanningConfiguration"`
		EncryptionConfiguration    *ecrEncryptionConfig `json:"encryptionConfiguration"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	name := in.RepositoryName
	if err := checkRepositoryName(name); err != nil {
		return nil, err
	}
	mut, err := ecrMutability(in.ImageTagMutability)
	if err != nil {
		return nil, err
	}
	enc := ecrEncryptionConfig{EncryptionType: "AES256"}
	if in.EncryptionConfiguration != nil {
		enc = *in.EncryptionConfiguration
		switch enc.EncryptionType {
		case "AES256":
			if enc.KMSKey != "" {
				return nil, ecrInvalid("Invalid parameter: kmsKey can only be specified when encryptionType is KMS")
			}
		case "KMS", "KMS_DSSE":
			enc.KMSKey = kmsKeyARN(c.Region, enc.KMSKey)
		default:
			return nil, ecrInvalid("Invalid parameter at 'encryptionType' failed to satisfy constraint: 'Member must satisfy enum value set: [AES256, KMS, KMS_DSSE]'")
		}
	}
	tags, err := ecrTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	r := s.region(c)
	if in.RegistryID != "" && in.RegistryID != Account {
		return nil, ecrInvalid("Invalid parameter: registryId %s is not the caller's account", in.RegistryID)
	}
	if _, ok := r.Repositories[name]; ok {
		return nil, Errorf("RepositoryAlreadyExistsException",
			"The repository with name '%s' already exists in the registry with id '%s'", name, Account)
	}
	repo := &ecrRepository{
		Name: name, ARN: ARN("ecr", c.Region, "repository/"+name),
		URI:       Account + ".dkr.ecr." + c.Region + ".amazonaws.com/" + name,
		CreatedAt: c.Now, TagMutability: mut,
		ScanOnPush:     in.ImageScanningConfiguration != nil && in.ImageScanningConfiguration.ScanOnPush,
		EncryptionType: enc.EncryptionType, KMSKey: enc.KMSKey,
		Images: map[string]*ecrImage{},
	}
	if len(tags) > 0 {
		repo.Tags = tags
	}
	r.Repositories[name] = repo
	return map[string]any{"repository": repo.out()}, nil
}

// kmsKeyARN is the key ARN ECR reports for the kmsKey of a request: key IDs and aliases are
// resolved to a key ARN (an alias to a stable made-up key ID), and no key means the AWS
// managed key aws/ecr.
func kmsKeyARN(region, key string) string {
	if key == "" {
		key = "alias/aws/ecr"
	}
	if i := strings.Index(key, ":alias/"); i >= 0 && strings.HasPrefix(key, "arn:") {
		key = key[i+1:]
	}
	if strings.HasPrefix(key, "arn:") {
		return key
	}
	if strings.HasPrefix(key, "alias/") {
		sum := sha256.Sum256([]byte(region + "/" + key))
		h := hex.EncodeToString(sum[:16])
		key = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	}
	return ARN("kms", region, "key/"+key)
}

func (s *ecrState) describeRepositories(c *Call) (any, error) {
	var in struct {
		RegistryID      string   `json:"registryId"`
		RepositoryNames []string `json:"repositoryNames"`
		NextToken       string   `json:"nextToken"`
		MaxResults      int      `json:"maxResults"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	r := s.region(c)
	if len(in.RepositoryNames) > 0 {
		if in.MaxResults != 0 || in.NextToken != "" {
			return nil, ecrInvalid("Invalid parameter: maxResults and nextToken cannot be used with repositoryNames")
		}
		out := []ecrRepositoryOut{}
		for _, n := range in.RepositoryNames {
			repo, ok := r.Repositories[n]
			if !ok || (in.RegistryID != "" && in.RegistryID != Account) {
				return nil, ecrRepoNotFound(n)
			}
			out = append(out, repo.out())
		}
		return map[string]any{"repositories": out}, nil
	}
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return nil, ecrInvalid("Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and 1000'")
	}
	var all []ecrRepositoryOut
	for _, n := range slices.Sorted(maps.Keys(r.Repositories)) {
		all = append(all, r.Repositories[n].out())
	}
	page, next, err := Paginate(all, in.NextToken, in.MaxResults, s.sim.PageSize())
	if err != nil {
		return nil, ecrInvalid("Invalid parameter at 'nextToken': %s", in.NextToken)
	}
	if page == nil {
		page = []ecrRepositoryOut{}
	}
	return ecrPage("repositories", page, next), nil
}

func ecrPage[T any](key string, items []T, next string) map[string]any {
	out := map[string]any{key: items}
	if next != "" {
		out["nextToken"] = next
	}
	return out
}

func (s *ecrState) deleteRepository(c *Call) (any, error) {
	var in struct {
		ecrRepoRef
		Force bool `json:"force"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	repo, err := s.lookup(c, in.ecrRepoRef)
	if err != nil {
		return nil, err
	}
	if len(repo.Images) > 0 && !in.Force {
		return nil, Errorf("RepositoryNotEmptyException",
			"The repository with name '%s' in registry with id '%s' cannot be deleted because it still contains images",
			repo.Name, Account)
	}
	delete(s.region(c).Repositories, repo.Name)
	return map[string]any{"repository": repo.out()}, nil
}

// lifecyclePolicyDoc is what ECR validates in a lifecycle policy.
type lifecyclePolicyDoc struct {
	Rules []struct {
		RulePriority *int   `json:"rulePriority"`
		Description  string `json:"description"`
		Selection    *struct {
			TagStatus      string   `json:"tagStatus"`
			TagPrefixList  []string `json:"tagPrefixList"`
			TagPatternList []string `json:"tagPatternList"`
			CountType      string   `json:"countType"`
			CountUnit      string   `json:"countUnit"`
			CountNumber    *int     `json:"countNumber"`
		} `json:"selection"`
		Action *struct {
			Type string `json:"type"`
		} `json:"action"`
	} `json:"rules"`
}

// validateLifecyclePolicy applies the documented lifecycle policy rules.
func validateLifecyclePolicy(text string) error {
	fail := func(why string) error {
		return ecrInvalid("Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: %s'", why)
	}
	if len(text) < 100 || len(text) > 30720 {
		return ecrInvalid("Invalid parameter at 'lifecyclePolicyText' failed to satisfy constraint: 'Member must have length between 100 and 30720'")
	}
	var doc lifecyclePolicyDoc
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return fail("invalid JSON: " + err.Error())
	}
	if len(doc.Rules) == 0 {
		return fail("object has missing required properties ([\"rules\"])")
	}
	seen := map[int]bool{}
	maxPriority, anyPriority := 0, 0
	for _, rule := range doc.Rules {
		if rule.RulePriority == nil || *rule.RulePriority < 1 {
			return fail("rulePriority must be a positive integer")
		}
		p := *rule.RulePriority
		if seen[p] {
			return fail("rulePriority values must be unique")
		}
		seen[p] = true
		maxPriority = max(maxPriority, p)
		sel := rule.Selection
		if sel == nil || rule.Action == nil || rule.Action.Type != "expire" {
			return fail("each rule needs a selection and an action of type expire")
		}
		switch sel.TagStatus {
		case "tagged":
			if len(sel.TagPrefixList) == 0 && len(sel.TagPatternList) == 0 {
				return fail("tagPrefixList or tagPatternList is required when tagStatus is tagged")
			}
		case "untagged":
		case "any":
			anyPriority = p
		default:
			return fail("tagStatus must be one of tagged, untagged, any")
		}
		if sel.CountNumber == nil || *sel.CountNumber < 1 {
			return fail("countNumber must be a positive integer")
		}
		switch sel.CountType {
		case "imageCountMoreThan":
			if sel.CountUnit != "" {
				return fail("countUnit is not allowed with imageCountMoreThan")
			}
		case "sinceImagePushed":
			if sel.CountUnit != "days" {
				return fail("countUnit days is required with sinceImagePushed")
			}
		default:
			return fail("countType must be imageCountMoreThan or sinceImagePushed")
		}
	}
	if anyPriority != 0 && anyPriority != maxPriority {
		return fail("the rule with tagStatus any must have the highest rulePriority")
	}
	return nil
}

func (s *ecrState) putLifecyclePolicy(c *Call) (any, error) {
	var in struct {
		ecrRepoRef
		LifecyclePolicyText string `json:"lifecyclePolicyText"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	repo, err := s.lookup(c, in.ecrRepoRef)
	if err != nil {
		return nil, err
	}
	if err := validateLifecyclePolicy(in.LifecyclePolicyText); err != nil {
		return nil, err
	}
	repo.LifecyclePolicy = in.LifecyclePolicyText
	return map[string]any{"registryId": Account, "repositoryName": repo.Name, "lifecyclePolicyText": repo.LifecyclePolicy}, nil
}

func (s *ecrState) lifecyclePolicy(c *Call) (*ecrRepository, error) {
	var in ecrRepoRef
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	repo, err := s.lookup(c, in)
	if err != nil {
		return nil, err
	}
	if repo.LifecyclePolicy == "" {
		return nil, Errorf("LifecyclePolicyNotFoundException",
			"Lifecycle policy does not exist for the repository with name '%s' in the registry with id '%s'", repo.Name, Account)
	}
	return repo, nil
}

func (s *ecrState) getLifecyclePolicy(c *Call) (any, error) {
	repo, err := s.lifecyclePolicy(c)
	if err != nil {
		return nil, err
	}
	return map[string]any{"registryId": Account, "repositoryName": repo.Name, "lifecyclePolicyText": repo.LifecyclePolicy}, nil
}

func (s *ecrState) deleteLifecyclePolicy(c *Call) (any, error) {
	repo, err := s.lifecyclePolicy(c)
	if err != nil {
		return nil, err
	}
	text := repo.LifecyclePolicy
	repo.LifecyclePolicy = ""
	return map[string]any{"registryId": Account, "repositoryName": repo.Name, "lifecyclePolicyText": text}, nil
}

func (s *ecrState) putImageScanningConfiguration(c *Call) (any, error) {
	var in struct {
		ecrRepoRef
		ImageScanningConfiguration *ecrScanningConfig `json:"imageScanningConfiguration"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	repo, err := s.lookup(c, in.ecrRepoRef)
	if err != nil {
		return nil, err
	}
	if in.ImageScanningConfiguration == nil {
		return nil, ecrInvalid("Invalid parameter at 'imageScanningConfiguration' failed to satisfy constraint: 'must not be null'")
	}
	repo.ScanOnPush = in.ImageScanningConfiguration.ScanOnPush
	return map[string]any{"registryId": Account, "repositoryName": repo.Name,
		"imageScanningConfiguration": ecrScanningConfig{ScanOnPush: repo.ScanOnPush}}, nil
}

func (s *ecrState) putImageTagMutability(c *Call) (any, error) {
	var in struct {
		ecrRepoRef
		ImageTagMutability string `json:"imageTagMutability"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	repo, err := s.lookup(c, in.ecrRepoRef)
	if err != nil {
		return nil, err
	}
	if in.ImageTagMutability == "" {
		return nil, ecrInvalid("Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'must not be null'")
	}
	mut, err := ecrMutability(in.ImageTagMutability)
	if err != nil {
		return nil, err
	}
	repo.TagMutability = mut
	return map[string]any{"registryId": Account, "repositoryName": repo.Name, "imageTagMutability": mut}, nil
}

type ecrImageID struct {
	ImageDigest string `json:"imageDigest,omitempty"`
	ImageTag    string `json:"imageTag,omitempty"`
}

func (s *ecrState) putImage(c *Call) (any, error) {
	var in struct {
		ecrRepoRef
		ImageManifest          string `json:"imageManifest"`
		ImageManifestMediaType string `json:"imageManifestMediaType"`
		ImageTag               string `json:"imageTag"`
		ImageDigest            string `json:"imageDigest"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	repo, err := s.lookup(c, in.ecrRepoRef)
	if err != nil {
		return nil, err
	}
	if in.ImageManifest == "" {
		return nil, ecrInvalid("Invalid parameter at 'imageManifest' failed to satisfy constraint: 'must not be null'")
	}
	sum := sha256.Sum256([]byte(in.ImageManifest))
	digest := "sha256:" + hex.EncodeToString(sum[:])
	if in.ImageDigest != "" && in.ImageDigest != digest {
		return nil, Errorf("ImageDigestDoesNotMatchException",
			"The digest '%s' does not match the digest of the manifest '%s'", in.ImageDigest, digest)
	}
	img, exists := repo.Images[digest]
	var holder *ecrImage // the image that carries the tag now
	if in.ImageTag != "" {
		for _, other := range repo.Images {
			if slices.Contains(other.Tags, in.ImageTag) {
				holder = other
			}
		}
	}
	switch {
	case exists && (in.ImageTag == "" || holder == img):
		return nil, Errorf("ImageAlreadyExistsException",
			"Image with digest '%s' and tag '%s' already exists in the repository with name '%s' in registry with id '%s'",
			digest, in.ImageTag, repo.Name, Account)
	case holder != nil && strings.HasPrefix(repo.TagMutability, "IMMUTABLE"):
		return nil, Errorf("ImageTagAlreadyExistsException",
			"The image tag '%s' already exists in the '%s' repository and cannot be overwritten because the repository is immutable.",
			in.ImageTag, repo.Name)
	}
	if holder != nil { // a mutable tag moves to the new image
		holder.Tags = slices.DeleteFunc(holder.Tags, func(t string) bool { return t == in.ImageTag })
	}
	if !exists {
		img = &ecrImage{Digest: digest, Manifest: in.ImageManifest, MediaType: in.ImageManifestMediaType,
			PushedAt: c.Now, Scanned: repo.ScanOnPush}
		repo.Images[digest] = img
	}
	if in.ImageTag != "" {
		img.Tags = append(img.Tags, in.ImageTag)
	}
	return map[string]any{"image": map[string]any{
		"registryId": Account, "repositoryName": repo.Name,
		"imageId":       ecrImageID{ImageDigest: digest, ImageTag: in.ImageTag},
		"imageManifest": img.Manifest, "imageManifestMediaType": img.MediaType,
	}}, nil
}

type ecrImageDetail struct {
	RegistryID       string       `json:"registryId"`
	RepositoryName   string       `json:"repositoryName"`
	ImageDigest      string       `json:"imageDigest"`
	ImageTags        []string     `json:"imageTags,omitempty"`
	ImageSizeInBytes int64        `json:"imageSizeInBytes"`
	ImagePushedAt    EpochSeconds `json:"imagePushedAt"`
	MediaType        string       `json:"imageManifestMediaType,omitempty"`
	ImageStatus      string       `json:"imageStatus"`
	ImageScanStatus  *struct {
		Status      string `json:"status"`
		Description string `json:"description"`
	} `json:"imageScanStatus,omitempty"`
}

func (s *ecrState) describeImages(c *Call) (any, error) {
	var in struct {
		ecrRepoRef
		ImageIDs   []ecrImageID `json:"imageIds"`
		NextToken  string       `json:"nextToken"`
		MaxResults int          `json:"maxResults"`
		Filter     *struct {
			TagStatus string `json:"tagStatus"`
		} `json:"filter"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	repo, err := s.lookup(c, in.ecrRepoRef)
	if err != nil {
		return nil, err
	}
	if len(in.ImageIDs) > 0 && (in.MaxResults != 0 || in.NextToken != "" || in.Filter != nil) {
		return nil, ecrInvalid("Invalid parameter: imageIds cannot be used with maxResults, nextToken or filter")
	}
	detail := func(img *ecrImage) ecrImageDetail {
		d := ecrImageDetail{RegistryID: Account, RepositoryName: repo.Name, ImageDigest: img.Digest,
			ImageTags: slices.Clone(img.Tags), ImageSizeInBytes: int64(len(img.Manifest)),
			ImagePushedAt: EpochSeconds(img.PushedAt), MediaType: img.MediaType, ImageStatus: "ACTIVE"}
		if img.Scanned {
			d.ImageScanStatus = &struct {
				Status      string `json:"status"`
				Description string `json:"description"`
			}{"COMPLETE", "The scan was completed successfully."}
		}
		return d
	}
	if len(in.ImageIDs) > 0 {
		out := []ecrImageDetail{}
		for _, id := range in.ImageIDs {
			var found *ecrImage
			for _, img := range repo.Images {
				if (id.ImageDigest == "" || id.ImageDigest == img.Digest) && (id.ImageTag == "" || slices.Contains(img.Tags, id.ImageTag)) {
					found = img
				}
			}
			if found == nil {
				return nil, Errorf("ImageNotFoundException",
					"The image with imageId {imageDigest:'%s', imageTag:'%s'} does not exist within the repository with name '%s' in the registry with id '%s'",
					id.ImageDigest, id.ImageTag, repo.Name, Account)
			}
			out = append(out, detail(found))
		}
		return map[string]any{"imageDetails": out}, nil
	}
	status := "ANY"
	if in.Filter != nil && in.Filter.TagStatus != "" {
		status = in.Filter.TagStatus
	}
	var all []ecrImageDetail
	for _, d := range slices.Sorted(maps.Keys(repo.Images)) {
		img := repo.Images[d]
		if (status == "TAGGED" && len(img.Tags) == 0) || (status == "UNTAGGED" && len(img.Tags) > 0) {
			continue
		}
		all = append(all, detail(img))
	}
	page, next, err := Paginate(all, in.NextToken, in.MaxResults, s.sim.PageSize())
	if err != nil {
		return nil, ecrInvalid("Invalid parameter at 'nextToken': %s", in.NextToken)
	}
	if page == nil {
		page = []ecrImageDetail{}
	}
	return ecrPage("imageDetails", page, next), nil
}

// listImages lists an image ID per tag of each image, and the bare digest of an untagged one.
func (s *ecrState) listImages(c *Call) (any, error) {
	var in struct {
		ecrRepoRef
		NextToken  string `json:"nextToken"`
		MaxResults int    `json:"maxResults"`
		Filter     *struct {
			TagStatus string `json:"tagStatus"`
		} `json:"filter"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if in.MaxResults < 0 || in.MaxResults > 1000 {
		return nil, ecrInvalid("Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and 1000'")
	}
	repo, err := s.lookup(c, in.ecrRepoRef)
	if err != nil {
		return nil, err
	}
	status := "ANY"
	if in.Filter != nil && in.Filter.TagStatus != "" {
		status = in.Filter.TagStatus
	}
	var ids []ecrImageID
	for _, d := range slices.Sorted(maps.Keys(repo.Images)) {
		img := repo.Images[d]
		switch {
		case len(img.Tags) == 0 && status != "TAGGED":
			ids = append(ids, ecrImageID{ImageDigest: d})
		case len(img.Tags) > 0 && status != "UNTAGGED":
			for _, tag := range slices.Sorted(slices.Values(img.Tags)) {
				ids = append(ids, ecrImageID{ImageDigest: d, ImageTag: tag})
			}
		}
	}
	page, next, err := Paginate(ids, in.NextToken, in.MaxResults, s.sim.PageSize())
	if err != nil {
		return nil, ecrInvalid("Invalid parameter at 'nextToken': %s", in.NextToken)
	}
	if page == nil {
		page = []ecrImageID{}
	}
	return ecrPage("imageIds", page, next), nil
}

// byARN finds the repository of a resourceArn (tagging operations).
func (s *ecrState) byARN(c *Call, arn string) (*ecrRepository, error) {
	_, name, ok := strings.Cut(arn, ":repository/")
	if !ok || !strings.HasPrefix(arn, "arn:aws:ecr:") {
		return nil, ecrInvalid("Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'")
	}
	repo, ok := s.region(c).Repositories[name]
	if !ok || repo.ARN != arn {
		return nil, ecrRepoNotFound(name)
	}
	return repo, nil
}

func (s *ecrState) tagResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		Tags        []ecrTag `json:"tags"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	repo, err := s.byARN(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags, err := ecrTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	merged, ok := mergeTags(repo.Tags, tags, 50)
	if !ok {
		return nil, Errorf("TooManyTagsException", "A repository can have at most 50 tags")
	}
	repo.Tags = merged
	return struct{}{}, nil
}

func (s *ecrState) untagResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string   `json:"resourceArn"`
		TagKeys     []string `json:"tagKeys"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	repo, err := s.byARN(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		delete(repo.Tags, k)
	}
	return struct{}{}, nil
}

func (s *ecrState) listTagsForResource(c *Call) (any, error) {
	var in struct {
		ResourceArn string `json:"resourceArn"`
	}
	if err := c.DecodeJSON(&in); err != nil {
		return nil, err
	}
	repo, err := s.byARN(c, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := []ecrTag{}
	for _, k := range slices.Sorted(maps.Keys(repo.Tags)) {
		tags = append(tags, ecrTag{Key: k, Value: repo.Tags[k]})
	}
	return map[string]any{"tags": tags}, nil
}
