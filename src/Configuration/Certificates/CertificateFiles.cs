using Microsoft.Extensions.Logging;

namespace OrleansGateway.Configuration.Certificates;

/// <summary>
/// The node's <c>deployment.certs</c>, re-read when a file changes: every new TLS connection asks for
/// <see cref="Current"/>, which looks at the files' timestamps at most once a second. A change that does not load (a
/// half-written file, a key that does not match) keeps the previous set and logs why once; connections already open
/// keep the certificate they were made with. So certificates and CA bundles rotate without a restart.
/// </summary>
public sealed class CertificateFiles
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(1);
    private readonly CertsConfig _paths;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private CertificateSet _current;
    private string _stamp;
    private string? _failedStamp;
    private DateTimeOffset _checkedAt;

    public CertificateFiles(CertsConfig paths, ILogger logger, TimeProvider? time = null)
    {
        _paths = paths;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _stamp = Stamp();
        _current = CertificateSet.Load(paths);
        _checkedAt = _time.GetUtcNow();
        Describe("TLS certificates loaded", _current);
    }

    public CertsConfig Paths => _paths;

    /// <summary>The set to use for a new connection (re-read first when a file changed).</summary>
    public CertificateSet Current
    {
        get
        {
            var now = _time.GetUtcNow();
            if (now - _checkedAt < CheckEvery)
            {
                return Volatile.Read(ref _current);
            }
            lock (_gate)
            {
                if (now - _checkedAt >= CheckEvery)
                {
                    _checkedAt = now;
                    ReloadIfChanged();
                }
                return _current;
            }
        }
    }

    private void ReloadIfChanged()
    {
        var stamp = Stamp();
        if (stamp == _stamp || stamp == _failedStamp)
        {
            return;
        }
        try
        {
            var loaded = CertificateSet.Load(_paths);
            Volatile.Write(ref _current, loaded);
            _stamp = stamp;
            _failedStamp = null;
            Describe("TLS certificates reloaded", loaded);
        }
        catch (GatewayConfigException e)
        {
            _failedStamp = stamp;
            _logger.LogError("TLS certificate files changed but cannot be used, keeping the previous ones: {Reason}", e.Message);
        }
    }

    private void Describe(string what, CertificateSet set) => _logger.LogInformation(
        "{What}: subject {Subject}, issuer {Issuer}, serial {Serial}, valid until {NotAfter:u}, {Identity}; {CaCount} trusted CA certificate(s)",
        what, set.Certificate.Subject, set.Certificate.Issuer, set.Certificate.SerialNumber, set.Certificate.NotAfter.ToUniversalTime(),
        set.Identity, set.TrustedCas.Count);

    private string Stamp() => string.Join('|', new[] { _paths.Cert, _paths.CertKey, _paths.TrustedCaCert }.Select(p =>
    {
        var info = new FileInfo(p);
        return info.Exists ? $"{info.LastWriteTimeUtc.Ticks}:{info.Length}" : "missing";
    }));
}
