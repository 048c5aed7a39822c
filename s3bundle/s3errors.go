package s3bundle

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// opError is what every backend method returns on failure: the operation,
// where (backend and key, never credentials), the contract's sentinel when
// one applies, and the underlying error for errors.As.
type opError struct {
	op     string
	where  string
	kind   error // a sentinel of the Backend contract, or nil
	detail string
	cause  error
}

func (e *opError) Error() string {
	s := e.op + " " + e.where
	switch {
	case e.kind != nil && e.detail != "":
		s += ": " + e.kind.Error() + " (" + e.detail + ")"
	case e.kind != nil:
		s += ": " + e.kind.Error()
	case e.detail != "":
		s += ": " + e.detail
	}
	return s
}

func (e *opError) Unwrap() []error {
	var errs []error
	if e.kind != nil {
		errs = append(errs, e.kind)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

func (b *S3) opErr(op, key string, kind, cause error) error {
	e := &opError{op: op, where: b.where(key), kind: kind, cause: cause}
	if cause != nil {
		e.detail = errDetail(cause)
	}
	return e
}

// mapErr turns an SDK error into the Backend contract's sentinels:
//
//	NoSuchBucket                                   ErrNoBucket
//	404, NoSuchKey, NotFound                       ErrNotExist
//	401, 403, AccessDenied, InvalidAccessKeyId,
//	SignatureDoesNotMatch, ExpiredToken, ...       ErrAccessDenied
//	412 PreconditionFailed,
//	409 ConditionalRequestConflict                 ErrConflict
//	5xx after retries, no answer, dial errors,
//	the operation timeout                          ErrUnreachable
//	no credentials from the AWS chain              ErrNoCredentials
//
// A context cancelled by the caller stays context.Canceled.
func (b *S3) mapErr(ctx context.Context, op, key string, err error) error {
	if errors.As(err, new(*noCredentialsError)) {
		// The chain's own account (every provider tried, IMDS's
		// refusal) would bury what is missing: ErrNoCredentials says it.
		return b.opErr(op, key, ErrNoCredentials, nil)
	}
	return b.opErr(op, key, classify(ctx, err), err)
}

func classify(ctx context.Context, err error) error {
	// The SDK also wraps transport failures in a ResponseError, with no
	// response: only a status tells that the server answered.
	if status := httpStatus(err); status != 0 {
		code := ""
		var ae smithy.APIError
		if errors.As(err, &ae) {
			code = ae.ErrorCode()
		}
		if mc := minioErrorCode(err); mc != "" {
			code = mc // more precise than HEAD's bare "NotFound"
		}
		if kind := classifyCode(code); kind != nil {
			return kind
		}
		return classifyStatus(status)
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return ErrUnreachable
	}
	var send *smithyhttp.RequestSendError
	var nerr net.Error
	if errors.As(err, &send) || errors.As(err, &nerr) {
		return ErrUnreachable
	}
	return nil
}

func classifyCode(code string) error {
	switch code {
	case "NoSuchBucket":
		return ErrNoBucket
	case "NoSuchKey", "NotFound":
		return ErrNotExist
	case "AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch",
		"ExpiredToken", "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled",
		"AccountProblem", "InvalidSecurity":
		return ErrAccessDenied
	case "PreconditionFailed", "ConditionalRequestConflict":
		return ErrConflict
	}
	return nil
}

func classifyStatus(status int) error {
	switch {
	case status == http.StatusNotFound:
		return ErrNotExist
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return ErrAccessDenied
	case status == http.StatusPreconditionFailed, status == http.StatusConflict:
		return ErrConflict
	case status >= 500:
		return ErrUnreachable
	}
	return nil
}

// httpStatus is the HTTP status of a failed request, or 0 when no response
// arrived.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.HTTPStatusCode()
	}
	return 0
}

// minioErrorCode is the X-Minio-Error-Code header MinIO sends with error
// responses, including those to HEAD, which have no body to carry a code.
// Empty from other servers.
func minioErrorCode(err error) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get("X-Minio-Error-Code")
	}
	return ""
}

// errDetail is a short description of an SDK error: the HTTP status and the
// service's error code, or the network error. The SDK's own message adds
// request IDs and operation names that only make lines longer.
func errDetail(err error) string {
	if status := httpStatus(err); status != 0 {
		d := fmt.Sprintf("HTTP %d", status)
		var ae smithy.APIError
		if mc := minioErrorCode(err); mc != "" {
			d += " " + mc
		} else if errors.As(err, &ae) && ae.ErrorCode() != "" {
			d += " " + ae.ErrorCode()
		}
		return d
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		return nerr.Error()
	}
	return err.Error()
}
