#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <skydive/model/result.h>
#include <skydive/model/value.h>

namespace skydive::agent {

/// What the docker and runc probes know of one container.
struct ContainerInfo {
    std::string id;
    std::string name;  ///< without docker's leading '/'
    std::string image;
    std::string image_id;
    std::string runtime;  ///< "docker" or "runc" (spec §7 Container.Runtime)
    std::string status;   ///< "running", "exited"...
    std::int64_t pid = 0;
    model::Value labels = model::Value::object();
    bool host_network = false;
};

/// Reads a Docker Engine API `GET /containers/{id}/json` document. InvalidArgument when the ID
/// or State is missing.
model::Result<ContainerInfo> containerFromDockerInspect(const model::Value& inspect);

/// Reads a runc state.json (`id`, `init_process_pid`, `config.labels` as "k=v" strings, the
/// CRI-O `io.kubernetes.cri-o.ImageName`/`ImageRef` annotations when present).
model::Result<ContainerInfo> containerFromRuncState(const model::Value& state);

/// `{Type:"container", Name, Manager, Container{ID, Image, ImageID, Runtime, Status,
/// InitProcessPID, Labels}}` (spec §7).
model::Value containerMetadata(const ContainerInfo& c, std::string_view manager);

}  // namespace skydive::agent
