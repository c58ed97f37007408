using System.Net;
using System.Net.Sockets;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using OrleansGateway.Configuration;

namespace OrleansGateway.Snapshots.Stores;

/// <summary>
/// Snapshot objects in S3 or an S3-compatible server. Bodies are sent whole with a plain signature
/// (<c>UseChunkEncoding = false</c>): some S3-compatible servers store aws-chunked bodies verbatim, which would
/// corrupt every object over plain HTTP. Failures become <see cref="SnapshotStoreException"/> with a kind.
/// </summary>
public sealed class S3SnapshotStore : ISnapshotStore, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly S3Config _config;

    public S3SnapshotStore(S3Config config)
    {
        _config = config;
        var s3 = new AmazonS3Config
        {
            ForcePathStyle = config.UsePathStyle,
            Timeout = TimeSpan.FromSeconds(15),
            MaxErrorRetry = 1,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (config.Endpoint is { } endpoint)
        {
            s3.ServiceURL = endpoint.ToString();
            s3.AuthenticationRegion = config.Region;
        }
        else
        {
            s3.RegionEndpoint = RegionEndpoint.GetBySystemName(config.Region);
        }
        _client = config.AccessKey is { } access && config.SecretKey is { } secret
            ? new AmazonS3Client(new BasicAWSCredentials(access, secret), s3)
            : new AmazonS3Client(s3);
    }

    public string Describe(string bucket) => _config.Endpoint is { } endpoint ? $"{endpoint.ToString().TrimEnd('/')}/{bucket}" : $"s3://{bucket}";

    public Task PutAsync(string bucket, string key, byte[] data, string contentType, CancellationToken cancellationToken) =>
        CallAsync(bucket, key, async () =>
        {
            var request = new PutObjectRequest
            {
                BucketName = bucket,
                Key = key,
                InputStream = new MemoryStream(data, writable: false),
                ContentType = contentType,
                UseChunkEncoding = false,
            };
            if (_config.ServerSideEncryption is { } sse)
            {
                request.ServerSideEncryptionMethod = sse == "aws:kms" ? ServerSideEncryptionMethod.AWSKMS : ServerSideEncryptionMethod.AES256;
                request.ServerSideEncryptionKeyManagementServiceKeyId = _config.KmsKeyId;
            }
            await _client.PutObjectAsync(request, cancellationToken);
            return true;
        });

    public Task<StoredObject?> GetAsync(string bucket, string key, string? ifNoneMatch, CancellationToken cancellationToken) =>
        CallAsync<StoredObject?>(bucket, key, async () =>
        {
            var request = new GetObjectRequest { BucketName = bucket, Key = key };
            if (ifNoneMatch is not null)
            {
                request.EtagToNotMatch = ifNoneMatch;
            }
            try
            {
                using var response = await _client.GetObjectAsync(request, cancellationToken);
                using var buffer = new MemoryStream();
                await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
                return new StoredObject(buffer.ToArray(), response.ETag);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotModified)
            {
                return new StoredObject([], ifNoneMatch, NotModified: true);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode != "NoSuchBucket")
            {
                return null;
            }
        });

    public Task<IReadOnlyList<StoredObjectInfo>> ListAsync(string bucket, string prefix, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<StoredObjectInfo>>(bucket, prefix, async () =>
        {
            var list = new List<StoredObjectInfo>();
            var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
            ListObjectsV2Response response;
            do
            {
                response = await _client.ListObjectsV2Async(request, cancellationToken);
                list.AddRange((response.S3Objects ?? []).Select(o => new StoredObjectInfo(o.Key, o.Size ?? 0, o.LastModified ?? DateTime.UnixEpoch)));
                request.ContinuationToken = response.NextContinuationToken;
            }
            while (response.IsTruncated == true);
            return list;
        });

    public Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken) =>
        CallAsync(bucket, key, async () =>
        {
            await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key }, cancellationToken);
            return true;
        });

    private static async Task<T> CallAsync<T>(string bucket, string key, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonS3Exception e)
        {
            var kind = e.ErrorCode switch
            {
                "NoSuchBucket" => "no_bucket",
                "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "ExpiredToken" or "InvalidToken" => "credentials",
                "AccessDenied" => "denied",
                _ => "error",
            };
            throw new SnapshotStoreException(kind, $"S3 {kind} on {bucket}/{key}: {(int)e.StatusCode} {e.ErrorCode}: {e.Message}", e);
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TaskCanceledException or AmazonServiceException or AmazonClientException)
        {
            throw new SnapshotStoreException("unreachable", $"S3 unreachable for {bucket}/{key}: {e.GetBaseException().Message}", e);
        }
    }

    public void Dispose() => _client.Dispose();
}
