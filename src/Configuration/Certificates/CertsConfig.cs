namespace OrleansGateway.Configuration.Certificates;

/// <summary>
/// <c>deployment.certs</c> (APISIX's keys): this node's certificate and key, and the CA its peers must be signed by, as
/// PEM files. They secure every Orleans connection with mutual TLS: silo to silo, and data plane to silo gateway.
/// </summary>
/// <param name="Cert"><c>deployment.certs.cert</c>: the node's certificate (PEM; may be followed by intermediates).</param>
/// <param name="CertKey"><c>deployment.certs.cert_key</c>: its private key (PEM, unencrypted PKCS#8, PKCS#1 or SEC1).</param>
/// <param name="TrustedCaCert"><c>deployment.certs.trusted_ca_cert</c>: the CA certificate(s) peers must chain to.</param>
public sealed record CertsConfig(string Cert, string CertKey, string TrustedCaCert);
