#pragma once

namespace cpe::http {

// Makes every certificate that fails verification a failed handshake, for
// the peers this process calls and for the clients that call it. Without
// explicit handlers Poco builds them from configuration on the first bad
// certificate, and its default asks on the console. Call once, after
// Poco::Net::initializeSSL().
void installRejectingCertificateHandlers();

}  // namespace cpe::http
