# Debian packages: `cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr. One package per install component, so an
# operator installs only the backends used:
#
#   cpe-host            cpe-host, cpe-ctl (its command-line client),
#                       libcpe_sdk.so.6, the memory store, the
#                       cpe-host@.service unit, example configs in /etc/cpe/examples
#   cpe-stub-a          the stub of A, cpe-stub-a.service, /etc/cpe/stub-a.properties
#   cpe-store-sqlite, cpe-store-postgres, cpe-broker-rabbitmq, cpe-broker-proton
#                       one plugin each, in /usr/lib/cpe/plugins
#   cpe-sdk             headers, CMake package, pkg-config file, cpe-store-contract
#
# Runtime dependencies come from dpkg-shlibdeps, so each package needs
# exactly the Debian libraries its own files link. The install() rules of
# each part are the one source of the layout (README "Deploy").

# --- What the packages carry besides the built targets ----------------------
set(cpe_systemd_dir ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
set(cpe_etc_dir ${CMAKE_INSTALL_FULL_SYSCONFDIR}/cpe)

install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/cpe-host@.service
        DESTINATION ${cpe_systemd_dir} COMPONENT host)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/systemd/cpe-stub-a.service
        DESTINATION ${cpe_systemd_dir} COMPONENT stub_a)
install(FILES ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cpe-host COMPONENT host)
install(FILES ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cpe-stub-a COMPONENT stub_a)
install(FILES ${PROJECT_SOURCE_DIR}/docs/plugins.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/cpe-sdk COMPONENT sdk)

# The example configs, with the development paths of this tree (.run/) made
# the installed ones: TLS files in /etc/cpe/tls, the SQLite file in
# /var/lib/cpe.
function(cpe_packaged_config source destination component)
  set(input ${PROJECT_SOURCE_DIR}/config/${source})
  set(output ${CMAKE_BINARY_DIR}/packaged-config/${source})
  file(READ ${input} text)
  string(REPLACE "\${configDir}../.run/certs/" "${cpe_etc_dir}/tls/" text "${text}")
  string(REPLACE "\${configDir}../.run/cpe-tasks.db" "/var/lib/cpe/tasks.db" text "${text}")
  file(WRITE ${output} "${text}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${input})
  install(FILES ${output} DESTINATION ${destination} COMPONENT ${component})
endfunction()

foreach(store memory sqlite postgres)
  foreach(broker rabbitmq proton)
    cpe_packaged_config(host-${store}-${broker}.properties ${cpe_etc_dir}/examples host)
  endforeach()
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/config/rabbitmq-definitions.json
        DESTINATION ${cpe_etc_dir}/examples COMPONENT host)
cpe_packaged_config(stub-a.properties ${cpe_etc_dir} stub_a)

# Control files of the two packages that run services: maintainer scripts
# (the `cpe` user, /var/lib/cpe, the units), their files in /etc as
# conffiles (an upgrade keeps an operator's edits), and for cpe-host the
# shlibs entry of libcpe_sdk.so.6 and the ldconfig trigger it needs.
function(cpe_control_files package units conffiles out)
  set(PACKAGE ${package})
  set(UNITS ${units})
  set(dir ${CMAKE_BINARY_DIR}/debian/${package})
  foreach(script postinst prerm postrm)
    configure_file(${PROJECT_SOURCE_DIR}/deploy/debian/${script}.in ${dir}/${script} @ONLY
                   FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                    WORLD_READ WORLD_EXECUTE)
  endforeach()
  list(JOIN conffiles "\n" lines)
  file(WRITE ${dir}/conffiles "${lines}\n")
  set(${out} ${dir}/postinst ${dir}/prerm ${dir}/postrm ${dir}/conffiles PARENT_SCOPE)
endfunction()

set(cpe_host_conffiles ${cpe_etc_dir}/examples/rabbitmq-definitions.json)
foreach(store memory sqlite postgres)
  foreach(broker rabbitmq proton)
    list(APPEND cpe_host_conffiles ${cpe_etc_dir}/examples/host-${store}-${broker}.properties)
  endforeach()
endforeach()
cpe_control_files(cpe-host "cpe-host@*.service" "${cpe_host_conffiles}" cpe_host_control)
cpe_control_files(cpe-stub-a "cpe-stub-a.service" ${cpe_etc_dir}/stub-a.properties
                  cpe_stub_control)
file(WRITE ${CMAKE_BINARY_DIR}/debian/cpe-host/shlibs
     "libcpe_sdk ${CPE_SDK_VERSION_MAJOR} cpe-host (= ${PROJECT_VERSION})\n")
file(WRITE ${CMAKE_BINARY_DIR}/debian/cpe-host/triggers "activate-noawait ldconfig\n")
list(APPEND cpe_host_control ${CMAKE_BINARY_DIR}/debian/cpe-host/shlibs
     ${CMAKE_BINARY_DIR}/debian/cpe-host/triggers)

# What the packages hold, as one target: `cmake --build B --target
# cpe_package_targets && cpack --config B/CPackConfig.cmake` builds those
# and not the test suites (cpe-store-contract, in the SDK, is one of them
# when tests are configured).
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
get_property(cpe_plugin_targets GLOBAL PROPERTY CPE_PLUGIN_TARGETS)
add_custom_target(cpe_package_targets DEPENDS cpe-host cpe-ctl cpe-stub-a ${cpe_plugin_targets})

# --- CPack --------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cpe)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "cpe-provisioning maintainers <cpe-provisioning@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "asynchronous front for synchronous CPE provisioning")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL host stub_a store_sqlite store_postgres broker_rabbitmq broker_proton sdk)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libcpe_sdk.so.6 comes with cpe-host, not from the system: dpkg-shlibdeps
# looks for it here, and the plugin packages depend on cpe-host by name
# (its shlibs file is written above: CPack's own would list the plugins).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR}/core/sdk)

set(cpe_same_host "cpe-host (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_HOST_PACKAGE_NAME cpe-host)
set(CPACK_DEBIAN_HOST_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_HOST_PACKAGE_CONTROL_EXTRA "${cpe_host_control}")
set(CPACK_DEBIAN_HOST_DESCRIPTION
    "cpe-provisioning host: service B, its worker and result consumer\n cpe-host serves the asynchronous HTTPS API, calls A from worker threads\n and applies results, over a store and a broker loaded as plugins.\n cpe-ctl posts tasks to the API and follows them from the command line.")
set(CPACK_DEBIAN_STUB_A_PACKAGE_NAME cpe-stub-a)
set(CPACK_DEBIAN_STUB_A_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_STUB_A_PACKAGE_CONTROL_EXTRA "${cpe_stub_control}")
set(CPACK_DEBIAN_STUB_A_DESCRIPTION
    "cpe-provisioning stub of service A\n A synchronous HTTPS service that answers each provisioning request\n after a configurable delay (60 s by default).")
foreach(plugin store_sqlite store_postgres broker_rabbitmq broker_proton)
  string(TOUPPER ${plugin} upper)
  string(REPLACE "_" "-" name ${plugin})
  set(CPACK_DEBIAN_${upper}_PACKAGE_NAME cpe-${name})
  set(CPACK_DEBIAN_${upper}_PACKAGE_DEPENDS ${cpe_same_host})
  set(CPACK_DEBIAN_${upper}_DESCRIPTION "cpe-host plugin: ${name}\n Loaded by cpe-host when its configuration names it.")
endforeach()
set(CPACK_DEBIAN_SDK_PACKAGE_NAME cpe-sdk)
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS ${cpe_same_host})
set(CPACK_DEBIAN_SDK_DESCRIPTION
    "cpe-host plugin SDK\n Headers, CMake package and pkg-config file to build store and broker\n plugins for cpe-host, and cpe-store-contract to test them (docs/plugins.md).")

include(CPack)
