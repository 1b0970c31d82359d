package client

import (
	"context"
	"strings"
)

var routeDownloadExport = rawRoute("DownloadExport", "GET", "/v1/exports/{token}")

// DownloadExport downloads the export package of a completed access or
// portability request through its link (the request's
// result.download_url, or just its token; no credential needed): a zip
// whose manifest.json lists the SHA-256 of every entry and manifest.sig
// signs it. Unknown or expired links are ENOTFOUND.
func (c *Client) DownloadExport(ctx context.Context, link string) (*Download, error) {
	token := link
	if i := strings.LastIndex(link, "/v1/exports/"); i >= 0 {
		token = link[i+len("/v1/exports/"):]
	}
	resp, err := c.send(ctx, request{route: routeDownloadExport, path: []string{token}})
	if err != nil {
		return nil, err
	}
	return checkedDownload(resp), nil
}
