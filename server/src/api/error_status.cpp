#include "api/error_status.h"

namespace skydive::server {

int httpStatusOf(model::ErrorCode code) {
    switch (code) {
        case model::ErrorCode::InvalidArgument: return 400;
        case model::ErrorCode::NotFound: return 404;
        case model::ErrorCode::Unsupported: return 501;
        case model::ErrorCode::Timeout: return 504;
        case model::ErrorCode::Unavailable: return 503;
        case model::ErrorCode::Conflict: return 409;
        case model::ErrorCode::Corruption: return 500;
        case model::ErrorCode::Internal: return 500;
    }
    return 500;
}

HttpResponse errorResponse(int status, std::string_view message) {
    HttpResponse r = HttpResponse::text(status, std::string(message));
    r.body.push_back('\n');
    r.set("X-Content-Type-Options", "nosniff");
    return r;
}

HttpResponse errorResponse(const model::Error& error) {
    return errorResponse(httpStatusOf(error.code), error.message);
}

}  // namespace skydive::server
