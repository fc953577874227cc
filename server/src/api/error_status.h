#pragma once

#include <skydive/model/result.h>
#include <skydive/server/http_message.h>

namespace skydive::server {

/// The one mapping of ErrorCode to HTTP status (STYLE.md "Errors").
int httpStatusOf(model::ErrorCode code);

/// An error answer as upstream's http.Error writes it (spec §4: plain text, message + "\n").
HttpResponse errorResponse(int status, std::string_view message);
HttpResponse errorResponse(const model::Error& error);

}  // namespace skydive::server
