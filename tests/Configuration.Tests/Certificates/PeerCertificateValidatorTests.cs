using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using OrleansGateway.Configuration.Certificates;
using OrleansGateway.TestSupport;

namespace OrleansGateway.Configuration.Tests.Certificates;

public class PeerCertificateValidatorTests
{
    private readonly TestPki _pki = new(RepoPaths.TempFolder("og-pki-peer"));
    private readonly ManualTime _time = new(DateTimeOffset.UtcNow);
    private readonly ListLogger _log = new();

    private PeerCertificateValidator Validator() =>
        new(new CertificateFiles(Paths(_pki.SiloEnv("self")), _log, _time), _log, _time);

    private static CertsConfig Paths(Dictionary<string, string> env) =>
        new(env["deployment__certs__cert"], env["deployment__certs__cert_key"], env["deployment__certs__trusted_ca_cert"]);

    private static X509Certificate2 Load((string Cert, string Key) files) => X509Certificate2.CreateFromPem(File.ReadAllText(files.Cert));

    [Fact]
    public void The_silo_port_takes_silo_certificates_of_the_trusted_ca_only()
    {
        var validator = Validator();
        Assert.True(validator.Accept(Load(_pki.Issue("silo2", ["og-role:silo"], server: true)), null, PeerRequirement.Silo, "silo port"));
        Assert.Equal(0, validator.Refusals);

        Assert.False(validator.Accept(Load(_pki.Issue("dp", ["og-group:default"], server: false)), null, PeerRequirement.Silo, "silo port"));
        Assert.Contains("a silo certificate is needed here (SAN URI og-role:silo)", validator.LastRefusal);
        Assert.Contains("on the silo port", validator.LastRefusal);
        Assert.Contains("subject 'CN=dp, O=OrleansGateway tests'", validator.LastRefusal);

        var foreign = new TestPki(RepoPaths.TempFolder("og-pki-other"));
        Assert.False(validator.Accept(Load(foreign.Issue("intruder", ["og-role:silo"], server: true)), null, PeerRequirement.Silo, "silo port"));
        Assert.Contains("not signed by a CA in deployment.certs.trusted_ca_cert", validator.LastRefusal);
        Assert.Equal(2, validator.Refusals);
    }

    [Fact]
    public void The_gateway_port_takes_data_planes_and_silos_but_not_certificates_without_a_role()
    {
        var validator = Validator();
        Assert.True(validator.Accept(Load(_pki.Issue("dp", ["og-group:a"], server: false)), null, PeerRequirement.SiloOrDataPlane, "gateway port"));
        Assert.True(validator.Accept(Load(_pki.Issue("silo2", ["og-role:silo"], server: true)), null, PeerRequirement.SiloOrDataPlane, "gateway port"));
        Assert.False(validator.Accept(Load(_pki.Issue("nobody", [], server: false)), null, PeerRequirement.SiloOrDataPlane, "gateway port"));
        Assert.Contains("neither", validator.LastRefusal);
    }

    [Fact]
    public void An_expired_peer_is_refused()
    {
        var validator = Validator();
        var expired = _pki.Issue("old", ["og-role:silo"], server: true, DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddDays(-1));
        Assert.False(validator.Accept(Load(expired), null, PeerRequirement.Silo, "silo port"));
        Assert.Contains("NotTimeValid", validator.LastRefusal);
    }

    [Fact]
    public void A_refusal_is_logged_once_a_minute_per_peer_and_reason()
    {
        var validator = Validator();
        var dp = Load(_pki.Issue("dp", ["og-group:a"], server: false));
        for (var i = 0; i < 5; i++)
        {
            validator.Accept(dp, null, PeerRequirement.Silo, "silo port");
        }
        Assert.Single(_log.Lines, l => l.Contains("refused the TLS peer", StringComparison.Ordinal));
        _time.Advance(TimeSpan.FromMinutes(1));
        validator.Accept(dp, null, PeerRequirement.Silo, "silo port");
        Assert.Equal(2, _log.Lines.Count(l => l.Contains("refused the TLS peer", StringComparison.Ordinal)));
        Assert.Equal(6, validator.Refusals);
    }

    [Fact]
    public void Identity_reads_every_group_uri()
    {
        var identity = PeerIdentity.Of(Load(_pki.Issue("dp", ["og-group:a", "og-group:b.c", "https://example.invalid/x"], server: false)));
        Assert.False(identity.IsSilo);
        Assert.Equal(["a", "b.c"], identity.Groups);
        Assert.True(identity.Serves("b.c"));
        Assert.False(identity.Serves("b"));
    }

    [Fact]
    public void Rotated_files_are_read_within_a_second_and_a_broken_rotation_keeps_the_old_set()
    {
        var env = _pki.SiloEnv("rotating");
        var files = new CertificateFiles(Paths(env), _log, _time);
        var first = files.Current.Certificate.SerialNumber;

        _pki.Issue("rotating", ["og-role:silo"], server: true);
        File.SetLastWriteTimeUtc(env["deployment__certs__cert"], DateTime.UtcNow.AddSeconds(5));
        Assert.Equal(first, files.Current.Certificate.SerialNumber); // checked at most once a second
        _time.Advance(TimeSpan.FromSeconds(1.5));
        var second = files.Current.Certificate.SerialNumber;
        Assert.NotEqual(first, second);
        Assert.Contains(_log.Lines, l => l.Contains("TLS certificates reloaded", StringComparison.Ordinal));

        // Half a rotation: a new certificate whose key has not arrived yet.
        File.WriteAllText(env["deployment__certs__cert"], File.ReadAllText(_pki.Issue("next", ["og-role:silo"], server: true).Cert));
        File.SetLastWriteTimeUtc(env["deployment__certs__cert"], DateTime.UtcNow.AddSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(second, files.Current.Certificate.SerialNumber);
        Assert.Contains(_log.Lines, l => l.Contains("cannot be used, keeping the previous ones", StringComparison.Ordinal));
    }

    /// <summary>Keeps formatted log lines.</summary>
    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }
}
