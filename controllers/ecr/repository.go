package ecr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// resourceRepository is the flaskops.io/resource tag value of the repository.
const resourceRepository = "repository"

// ECR repository names: 2 to 256 characters, path components of lowercase alphanumerics
// separated by single '.', '_' or '-'.
const (
	minRepositoryName = 2
	maxRepositoryName = 256
)

// repositoryName is the ECR name of fd's repository: spec.repository.name, or
// <namespace>-<name>, made valid for ECR.
func repositoryName(fd *v1alpha1.FlaskDeployment) string {
	name := fd.Spec.Repository.Name
	if name == "" {
		name = fd.Namespace + "-" + fd.Name
	}
	return validRepositoryName(name)
}

// validRepositoryName lowercases name and rewrites it until ECR accepts it: characters
// outside [a-z0-9._-/] become '-', a run of separators becomes its first separator, and
// separators at the ends of a path component go. A name that is too long keeps a readable
// prefix and ends in an 8-character hash of the original; one that is too short gets "-repo".
func validRepositoryName(name string) string {
	var comps []string
	for _, comp := range strings.Split(strings.ToLower(name), "/") {
		var b strings.Builder
		sep := byte(0)
		for i := 0; i < len(comp); i++ {
			c := comp[i]
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
				if sep != 0 && b.Len() > 0 {
					b.WriteByte(sep)
				}
				sep = 0
				b.WriteByte(c)
			case c == '.' || c == '_' || c == '-':
				if sep == 0 {
					sep = c
				}
			default:
				if sep == 0 {
					sep = '-'
				}
			}
		}
		if b.Len() > 0 {
			comps = append(comps, b.String())
		}
	}
	out := strings.Join(comps, "/")
	if len(out) > maxRepositoryName {
		sum := sha256.Sum256([]byte(name))
		prefix := strings.TrimRight(out[:maxRepositoryName-9], "._-/")
		out = prefix + "-" + hex.EncodeToString(sum[:])[:8]
	}
	if len(out) < minRepositoryName {
		out = strings.TrimLeft(out+"-repo", "-")
	}
	return out
}

// desiredScanOnPush, desiredMutability and desiredEncryption apply the API defaults, so a
// spec that was not defaulted by the API server (unit tests) means the same thing.
func desiredScanOnPush(spec v1alpha1.RepositorySpec) bool {
	return spec.ScanOnPush == nil || *spec.ScanOnPush
}

func desiredMutability(spec v1alpha1.RepositorySpec) ecrtypes.ImageTagMutability {
	if spec.ImageTagMutability == "" {
		return ecrtypes.ImageTagMutabilityMutable
	}
	return ecrtypes.ImageTagMutability(spec.ImageTagMutability)
}

func desiredEncryption(spec v1alpha1.RepositorySpec) *ecrtypes.EncryptionConfiguration {
	if spec.Encryption == v1alpha1.EncryptionKMS {
		enc := &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeKms}
		if spec.KMSKey != "" {
			enc.KmsKey = aws.String(spec.KMSKey)
		}
		return enc
	}
	return &ecrtypes.EncryptionConfiguration{EncryptionType: ecrtypes.EncryptionTypeAes256}
}

// encryptionDiffers reports whether the repository's encryption is not the one asked for.
// A KMS key may be given as key ID, key ARN or alias; AWS answers with the key's ARN. An
// alias cannot be matched to a key without asking KMS, so for an alias only the type counts.
func encryptionDiffers(want, have *ecrtypes.EncryptionConfiguration) bool {
	haveType := ecrtypes.EncryptionTypeAes256
	if have != nil && have.EncryptionType != "" {
		haveType = have.EncryptionType
	}
	if want.EncryptionType != haveType {
		return true
	}
	wantKey := aws.ToString(want.KmsKey)
	if wantKey == "" || have == nil || strings.HasPrefix(wantKey, "alias/") || strings.Contains(wantKey, ":alias/") {
		return false
	}
	haveKey := aws.ToString(have.KmsKey)
	return haveKey != wantKey && !strings.HasSuffix(haveKey, "/"+wantKey) && !strings.HasSuffix(haveKey, ":"+wantKey)
}

func describeEncryption(enc *ecrtypes.EncryptionConfiguration) string {
	if enc == nil || enc.EncryptionType == "" {
		return string(ecrtypes.EncryptionTypeAes256)
	}
	if key := aws.ToString(enc.KmsKey); key != "" {
		return string(enc.EncryptionType) + " with key " + key
	}
	return string(enc.EncryptionType)
}

// reconcileRepository finds (status, then name plus owner tag) or creates the repository
// and converges its settings. A nil repository with a nil error means: not there, and the
// returned result says why (Observe only).
func (p *pass) reconcileRepository(ctx context.Context) (*ecrtypes.Repository, stage.Result, error) {
	name := repositoryName(p.fd)
	st := &p.fd.Status.Repository
	if st.Name != "" && st.Name != name {
		return nil, stage.Result{}, stage.Terminalf(ReasonNameImmutable,
			"spec.repository.name asks for repository %q but this FlaskDeployment owns repository %q, and ECR repositories cannot be renamed: set spec.repository.name back to %q, or delete and re-create the FlaskDeployment to move to a new repository",
			name, st.Name, st.Name)
	}
	repo, err := p.findRepository(ctx, name)
	if err != nil {
		return nil, stage.Result{}, err
	}
	if repo == nil {
		if p.observe {
			*st = v1alpha1.RepositoryStatus{}
			return nil, stage.Waiting(ReasonRepositoryNotFound, observeRequeue,
				"repository %s does not exist, and managementPolicy Observe never creates it", name), nil
		}
		deleted := st.ARN != ""
		if deleted {
			*st = v1alpha1.RepositoryStatus{}
		}
		repo, err = p.createRepository(ctx, name)
		if err == nil {
			if deleted {
				p.noteDrift(ctx, "repository %s was deleted outside the operator", name)
			}
			p.setRepositoryStatus(repo)
			// Everything after this depends on the repository: save its ARN first.
			if err := stage.Checkpoint(ctx); err != nil {
				return nil, stage.Result{}, fmt.Errorf("save status after creating repository %s: %w", name, err)
			}
			return repo, stage.Result{}, nil
		}
		if !cloud.IsAlreadyExists(err) {
			return nil, stage.Result{}, err
		}
		// Created since we looked (another worker, or eventual consistency): check it as found.
		if repo, err = p.findRepository(ctx, name); err != nil {
			return nil, stage.Result{}, fmt.Errorf("find repository %s after RepositoryAlreadyExistsException: %w", name, err)
		}
		if repo == nil {
			// Deleted again since, or not yet visible: retried on the next pass.
			return nil, stage.Result{}, fmt.Errorf("find repository %s after RepositoryAlreadyExistsException: not found", name)
		}
	}
	if err := p.checkRepositoryOwner(ctx, repo); err != nil {
		return nil, stage.Result{}, err
	}
	if st.ARN == "" && !p.observe {
		log.FromContext(ctx).Info("Adopted ECR repository", "repositoryName", name, "arn", aws.ToString(repo.RepositoryArn))
		p.event("AdoptedRepository", "Adopt", "Adopted ECR repository %s, which carries this object's owner tag", name)
	}
	p.setRepositoryStatus(repo)
	if err := p.convergeRepository(ctx, repo); err != nil {
		return nil, stage.Result{}, err
	}
	return repo, stage.Result{}, nil
}

// findRepository describes the repository by name; nil when it does not exist.
func (p *pass) findRepository(ctx context.Context, name string) (*ecrtypes.Repository, error) {
	out, err := p.ecr.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{name}})
	if cloud.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe repository %s: %w", name, err)
	}
	if len(out.Repositories) == 0 {
		return nil, nil
	}
	return &out.Repositories[0], nil
}

// checkRepositoryOwner refuses a repository that is neither recorded in status nor tagged
// with this object's owner tag (never hijack), and puts back ownership tags that went
// missing on one that is ours.
func (p *pass) checkRepositoryOwner(ctx context.Context, repo *ecrtypes.Repository) error {
	name, arn := aws.ToString(repo.RepositoryName), aws.ToString(repo.RepositoryArn)
	out, err := p.ecr.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: repo.RepositoryArn})
	if err != nil {
		return fmt.Errorf("list tags of repository %s: %w", name, err)
	}
	have := cloud.FromECR(out.Tags)
	if !cloud.IsOwned(have, p.fd) && !p.recorded(repo) {
		if p.observe {
			p.noteDrift(ctx, "repository %s does not carry this object's %s tag", name, cloud.TagOwner)
			return nil
		}
		owner := have[cloud.TagOwner]
		if owner == "" {
			owner = "none"
		}
		return stage.Terminalf(ReasonRepositoryNotOwned,
			"ECR repository %s already exists and is not owned by this FlaskDeployment (tag %s is %s, want %s); the operator never adopts a repository it did not create: set spec.repository.name to a free name, or, if this repository really belongs to %s, tag it %s=%s",
			name, cloud.TagOwner, owner, cloud.Owner(p.fd), cloud.Owner(p.fd), cloud.TagOwner, cloud.Owner(p.fd))
	}
	if removed := cloud.RemovedTags(p.fd, have); len(removed) > 0 && !p.observe {
		if _, err := p.ecr.UntagResource(ctx, &ecr.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: removed}); err != nil {
			return fmt.Errorf("remove tags %s from repository %s: %w", strings.Join(removed, ", "), name, err)
		}
		log.FromContext(ctx).Info("Removed tags no longer in spec.tags", "repository", name, "keys", removed)
	}
	missing := cloud.MissingTags(cloud.Tags(p.fd, Name, resourceRepository), have)
	if len(missing) == 0 {
		return nil
	}
	_, lostOwner := missing[cloud.TagOwner]
	if !p.observe {
		if _, err := p.ecr.TagResource(ctx, &ecr.TagResourceInput{ResourceArn: aws.String(arn), Tags: cloud.ToECR(missing)}); err != nil {
			return fmt.Errorf("tag repository %s: %w", name, err)
		}
		if lostOwner {
			p.event("RepairedRepository", "Update", "Restored ownership tags %s of ECR repository %s, which status records as this object's",
				strings.Join(keys(missing), ", "), name)
		}
	}
	if lostOwner {
		p.noteDrift(ctx, "ownership tag %s removed from repository %s, which status records as this object's (tags %s)",
			cloud.TagOwner, name, strings.Join(keys(missing), ", "))
		return nil
	}
	p.noteDrift(ctx, "repository %s tags %s differed from the spec", name, strings.Join(keys(missing), ", "))
	return nil
}

// recorded reports whether status records repo as this object's: it created or adopted
// it, so a removed ownership tag does not make it foreign.
func (p *pass) recorded(repo *ecrtypes.Repository) bool {
	arn := p.fd.Status.Repository.ARN
	return arn != "" && arn == aws.ToString(repo.RepositoryArn)
}

func (p *pass) createRepository(ctx context.Context, name string) (*ecrtypes.Repository, error) {
	spec := p.fd.Spec.Repository
	out, err := p.ecr.CreateRepository(ctx, &ecr.CreateRepositoryInput{
		RepositoryName:             aws.String(name),
		ImageTagMutability:         desiredMutability(spec),
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: desiredScanOnPush(spec)},
		EncryptionConfiguration:    desiredEncryption(spec),
		Tags:                       cloud.ToECR(cloud.Tags(p.fd, Name, resourceRepository)),
	})
	if err != nil {
		if cloud.IsAlreadyExists(err) {
			return nil, err
		}
		return nil, fmt.Errorf("create repository %s: %w", name, err)
	}
	p.created = true
	log.FromContext(ctx).Info("Created ECR repository", "repositoryName", name, "arn", aws.ToString(out.Repository.RepositoryArn))
	p.event("CreatedRepository", "Create", "Created ECR repository %s", name)
	return out.Repository, nil
}

// convergeRepository repairs scan-on-push and tag mutability. Encryption cannot change:
// a difference stalls the object with a message saying what to do.
func (p *pass) convergeRepository(ctx context.Context, repo *ecrtypes.Repository) error {
	spec := p.fd.Spec.Repository
	name := aws.ToString(repo.RepositoryName)
	if want := desiredEncryption(spec); encryptionDiffers(want, repo.EncryptionConfiguration) {
		if p.observe {
			p.noteDrift(ctx, "repository %s is encrypted with %s, spec asks for %s", name,
				describeEncryption(repo.EncryptionConfiguration), describeEncryption(want))
		} else {
			return stage.Terminalf(ReasonEncryptionImmutable,
				"repository %s is encrypted with %s but spec.repository asks for %s; ECR cannot change a repository's encryption after creation: set spec.repository.encryption (and kmsKey) back to match, or use a new spec.repository.name to get a new repository",
				name, describeEncryption(repo.EncryptionConfiguration), describeEncryption(want))
		}
	}
	haveScan := repo.ImageScanningConfiguration != nil && repo.ImageScanningConfiguration.ScanOnPush
	if wantScan := desiredScanOnPush(spec); haveScan != wantScan {
		if !p.observe {
			if _, err := p.ecr.PutImageScanningConfiguration(ctx, &ecr.PutImageScanningConfigurationInput{
				RepositoryName:             repo.RepositoryName,
				ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: wantScan},
			}); err != nil {
				return fmt.Errorf("set scan on push of repository %s: %w", name, err)
			}
			p.event("RepairedRepository", "Update", "Set scanOnPush of ECR repository %s to %t", name, wantScan)
		}
		p.noteDrift(ctx, "repository %s scanOnPush was %t, spec says %t", name, haveScan, wantScan)
	}
	if want := desiredMutability(spec); repo.ImageTagMutability != want {
		if !p.observe {
			if _, err := p.ecr.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{
				RepositoryName: repo.RepositoryName, ImageTagMutability: want,
			}); err != nil {
				return fmt.Errorf("set tag mutability of repository %s: %w", name, err)
			}
			p.event("RepairedRepository", "Update", "Set imageTagMutability of ECR repository %s to %s", name, want)
		}
		p.noteDrift(ctx, "repository %s imageTagMutability was %s, spec says %s", name, repo.ImageTagMutability, want)
	}
	return nil
}

func (p *pass) setRepositoryStatus(repo *ecrtypes.Repository) {
	st := &p.fd.Status.Repository
	st.Name = aws.ToString(repo.RepositoryName)
	st.ARN = aws.ToString(repo.RepositoryArn)
	st.URI = aws.ToString(repo.RepositoryUri)
	st.RegistryID = aws.ToString(repo.RegistryId)
}

// countImages records how many images the repository holds (every page).
func (p *pass) countImages(ctx context.Context, repo *ecrtypes.Repository) error {
	n, err := p.imageCount(ctx, aws.ToString(repo.RepositoryName))
	if err != nil {
		return err
	}
	p.fd.Status.Repository.ImageCount = n
	return nil
}

func (p *pass) imageCount(ctx context.Context, name string) (int32, error) {
	var n int32
	pages := ecr.NewDescribeImagesPaginator(p.ecr, &ecr.DescribeImagesInput{RepositoryName: aws.String(name)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("describe images of repository %s: %w", name, err)
		}
		n += int32(len(out.ImageDetails))
	}
	return n, nil
}

// deleteRepository deletes the repository with every image in it (force), if it is ours:
// recorded in status, or carrying this object's owner tag.
func (p *pass) deleteRepository(ctx context.Context) error {
	st := &p.fd.Status.Repository
	name := st.Name
	if name == "" {
		name = repositoryName(p.fd)
	}
	repo, err := p.findRepository(ctx, name)
	if err != nil || repo == nil {
		if err == nil {
			*st = v1alpha1.RepositoryStatus{ParameterName: st.ParameterName}
		}
		return err
	}
	out, err := p.ecr.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: repo.RepositoryArn})
	if err != nil {
		return fmt.Errorf("list tags of repository %s: %w", name, err)
	}
	if !cloud.IsOwned(cloud.FromECR(out.Tags), p.fd) && !p.recorded(repo) {
		log.FromContext(ctx).Info("Left ECR repository alone: not owned by this object", "repositoryName", name)
		*st = v1alpha1.RepositoryStatus{ParameterName: st.ParameterName}
		return nil
	}
	images, err := p.imageCount(ctx, name)
	if err != nil {
		return err
	}
	// force: a repository holding images is deleted with them (RepositoryNotEmptyException otherwise).
	_, err = p.ecr.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String(name), Force: true})
	if err != nil && !cloud.IsNotFound(err) {
		return fmt.Errorf("delete repository %s: %w", name, err)
	}
	if err == nil {
		log.FromContext(ctx).Info("Deleted ECR repository", "repositoryName", name, "images", images)
		p.event("DeletedRepository", "Delete", "Deleted ECR repository %s with %d images", name, images)
	}
	*st = v1alpha1.RepositoryStatus{ParameterName: st.ParameterName}
	return nil
}

func keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
