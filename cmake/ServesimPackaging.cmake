# What `cmake --install` lays out and CPack packs into a .deb (docs/install.md):
#   bin/servesim, bin/servesim-gui
#   share/servesim/scenarios/      the bundled scenarios, their traces and sweeps
#   share/servesim/catalog/        the platform and GPU catalogues (reference copy: the programs embed them)
#   share/servesim/ort_bridge/     the ONNX Runtime bridge script (its npm package is installed there by the user)
#   share/man/man1/servesim.1.gz   made from `servesim --help` and each command's --help by help2man
#   share/bash-completion/completions/servesim
#   share/applications/servesim-gui.desktop, share/icons/hicolor/scalable/apps/servesim.svg
#   <python site-packages>/servesim/   the Python module
# The programs find share/servesim/ relative to themselves (core/install_layout.hpp), so the tree works from
# any prefix, including a .deb unpacked with dpkg -x.
set(SERVESIM_DATA_DIR ${CMAKE_INSTALL_DATADIR}/servesim)
# Installing (and CPack, which installs first) does not build everything again: build, then install. The
# packaging test (tests/packaging) packs the tree the suite has just built, and the up-to-date check of every
# target would cost it more than the packing itself.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS servesim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET servesim-gui)
  install(TARGETS servesim-gui RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/servesim-gui.desktop
          DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/servesim.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scenarios/ DESTINATION ${SERVESIM_DATA_DIR}/scenarios)
if(TARGET servesim::models)
  install(FILES ${PROJECT_SOURCE_DIR}/models/ort_bridge/bridge.js ${PROJECT_SOURCE_DIR}/models/ort_bridge/package.json
                ${PROJECT_SOURCE_DIR}/models/ort_bridge/package-lock.json
          DESTINATION ${SERVESIM_DATA_DIR}/ort_bridge)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/packaging/servesim.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME servesim)

# The man page, from `servesim --help` (help2man, Debian package help2man) with a COMMANDS section of each
# subcommand's --help (cmake/ManCommands.cmake), compressed as Debian wants it.
find_program(HELP2MAN help2man)
find_program(GZIP gzip)
if(HELP2MAN AND GZIP)
  set(man ${CMAKE_BINARY_DIR}/servesim.1)
  set(man_commands run validate catalog report advise tune sweep)
  if(TARGET servesim::models)
    list(APPEND man_commands inspect models profile)
  endif()
  string(REPLACE ";" "|" man_commands "${man_commands}")
  add_custom_command(OUTPUT ${man}.gz
    COMMAND ${CMAKE_COMMAND} -DSERVESIM=$<TARGET_FILE:servesim> -DCOMMANDS=${man_commands}
            -DOUT=${CMAKE_BINARY_DIR}/servesim-commands.h2m -P ${PROJECT_SOURCE_DIR}/cmake/ManCommands.cmake
    COMMAND ${HELP2MAN} --no-info --section=1 --output=${man} --include=${CMAKE_BINARY_DIR}/servesim-commands.h2m
            "--name=where should this model be served, what will it cost, what latency will users see"
            $<TARGET_FILE:servesim>
    COMMAND ${GZIP} -n -9 -f ${man}
    DEPENDS servesim ${PROJECT_SOURCE_DIR}/cmake/ManCommands.cmake
    VERBATIM)
  add_custom_target(servesim_man ALL DEPENDS ${man}.gz)
  install(FILES ${man}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(WARNING "help2man or gzip not found: no man page (scripts/setup installs help2man)")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME servesim)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "ServeSim developers <servesim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "deployment-planning simulator for ML serving (serverless, containers, GPU nodes)")
set(CPACK_PACKAGE_DESCRIPTION
    "ServeSim replays real traffic against simulated AWS Lambda, Google Cloud Run, Azure Functions, Azure "
    "Container Apps and Kubernetes-with-GPU deployments and says where a model should be served, what it "
    "will cost and what latency users will see. Command line (servesim), desktop app (servesim-gui) and "
    "Python module (import servesim).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# The shared libraries' packages (SimGrid, Boost, Qt 6, OpenCV, protobuf, ...) come from dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(deb_depends "")
if(SERVESIM_BUILD_PYTHON)
  # The module is built for this interpreter's minor version (its file name carries the ABI tag).
  math(EXPR next_minor "${Python3_VERSION_MINOR} + 1")
  set(deb_depends "python3 (>= 3.${Python3_VERSION_MINOR}), python3 (<< 3.${next_minor})")
endif()
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${deb_depends}")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-pandas, nodejs, npm")
# gzip: a quick pack for the packaging test; the package is a few MB either way.
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
include(CPack)
